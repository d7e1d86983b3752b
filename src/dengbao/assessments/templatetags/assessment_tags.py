from django import template

register = template.Library()


@register.filter
def phrases_for(phrases: dict, unit_id: str) -> list[str]:
    return phrases.get(unit_id, []) if isinstance(phrases, dict) else []
