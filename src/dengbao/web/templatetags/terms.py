"""``{{ value|term }}``: one of the standards' terms in the reader's language (a builtin: no load)."""

from django import template

from dengbao import terms

register = template.Library()
register.filter("term", terms.term)
