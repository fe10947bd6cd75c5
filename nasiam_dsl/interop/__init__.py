"""Genotypes from other tools, read as members of nasiam spaces (no `eval` of their text)."""

from nasiam_dsl.interop.seed_import import FIELD_HEADS, import_seed_genotype
from nasiam_dsl.interop.seed_text import SeedGenotype, parse_seed_genotype

__all__ = ["FIELD_HEADS", "SeedGenotype", "import_seed_genotype", "parse_seed_genotype"]
