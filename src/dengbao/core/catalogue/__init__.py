"""The requirement catalogue: GB/T 22239-2019 items, GB/T 28448-2019 test units, the 2025 high-risk guide."""

from .loader import CatalogueError, default, load
from .model import Catalogue, HighRiskCase, Item

__all__ = ["Catalogue", "CatalogueError", "HighRiskCase", "Item", "default", "load"]
