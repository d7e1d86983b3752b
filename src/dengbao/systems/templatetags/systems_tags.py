from django import template

register = template.Library()


@register.filter
def get(mapping, key: str):
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


@register.filter
def get_degree(mapping, key: str) -> str:
    return mapping.get(f"{key}_degree", "") if hasattr(mapping, "get") else ""


@register.filter
def get_why(mapping, key: str) -> str:
    return mapping.get(f"{key}_why", "") if hasattr(mapping, "get") else ""
