"""nasiam: a language and compiler for searching the MLP heads of siamese SSL networks."""

__version__ = "0.1.0"
