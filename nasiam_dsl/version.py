"""The package's version: one declaration, read by the package, the CLI, every genotype's
`meta { version = ... }` and the wheel (pyproject.toml takes it from here)."""

__version__ = "0.1.0"
