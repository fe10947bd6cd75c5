"""AST -> torch modules: supernets of spaces, fixed heads of genotypes, derivation, counting."""

from nasiam_dsl.compile.arch import ArchParameters, Sampler, SoftmaxSampler
from nasiam_dsl.compile.build import FixedNet, HeadNet, Supernet, compile_genotype, compile_space

__all__ = [
    "ArchParameters",
    "FixedNet",
    "HeadNet",
    "Sampler",
    "SoftmaxSampler",
    "Supernet",
    "compile_genotype",
    "compile_space",
]
