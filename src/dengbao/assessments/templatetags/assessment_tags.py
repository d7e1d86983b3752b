from django import template

register = template.Library()


@register.filter
def phrases_for(phrases: dict, unit_id: str) -> list[str]:
    return phrases.get(unit_id, []) if isinstance(phrases, dict) else []


@register.filter
def wording_of(wording: dict, unit_id: str):
    """The organisation's own wording of a unit (requirement, 测评实施 steps, 单元判定), or None."""
    return wording.get(unit_id) if isinstance(wording, dict) else None
