from django import template

register = template.Library()


@register.filter
def get(mapping, key):
    """``mapping|get:key`` for dicts keyed by ids or states."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
