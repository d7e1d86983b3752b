from django import template

from dengbao.monitoring import labels

register = template.Library()


@register.filter
def get(mapping, key):
    """``mapping|get:key`` for dicts keyed by ids or states."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def check_label(name):
    """A condition's name (``tls.expiry``) in the reader's language."""
    return labels.label(labels.CHECKS, name)


@register.filter
def severity_label(value):
    return labels.label(labels.SEVERITIES, value)


@register.filter
def event_label(kind):
    """A timeline event's kind (``firing``, ``resolved``…) in the reader's language."""
    return labels.label(labels.EVENTS, kind)


@register.filter
def part_label(kind):
    """The page part a structure change names (``scripts``, ``iframes``…)."""
    return labels.label(labels.PARTS, kind)
