from django import template

from dengbao.core.catalogue.vocab import CATEGORY_BY_CODE, PARTS
from dengbao.terms import term

register = template.Library()


@register.filter
def category_name(code: str) -> str:
    category = CATEGORY_BY_CODE.get(code)
    return term(category.name) if category else code


@register.filter
def part_name(key: str) -> str:
    return term(PARTS[key][1]) if key in PARTS else key
