"""Evidence collection: read-only collection scripts, bundles, and rules as data mapped to test units."""

from .bundle import Bundle, BundleError, read_bundle
from .evaluate import RuleResult, State, UnitProposal, counts, evaluate, propose
from .ruleset import Rule, RuleError, load_rules, parse_rules

__all__ = [
    "Bundle",
    "BundleError",
    "Rule",
    "RuleError",
    "RuleResult",
    "State",
    "UnitProposal",
    "counts",
    "evaluate",
    "load_rules",
    "parse_rules",
    "propose",
    "read_bundle",
]
