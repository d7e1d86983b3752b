"""In-app notifications: what needs a person's attention, with an unread count on every page."""
