from django import template

from dengbao.core.catalogue.vocab import CATEGORY_BY_CODE, PARTS

register = template.Library()


@register.filter
def category_name(code: str) -> str:
    category = CATEGORY_BY_CODE.get(code)
    return category.name if category else code


@register.filter
def part_name(key: str) -> str:
    return PARTS[key][1] if key in PARTS else key
