"""nasiam: a language and compiler for searching the MLP heads of siamese SSL networks.

>>> import nasiam_dsl as nasiam
>>> doc = nasiam.load("space s { head projector(x: 64) { z = linear(x, 32) | act{relu, gelu} } }")
>>> print(nasiam.to_text(doc), end="")
space s {
  head projector(x: 64) {
    z = linear(x, 32) | act{relu, gelu}
  }
}

`nasiam.search(...)`, `nasiam.train(...)` and `nasiam.evaluate(run_dir)` run the rest;
`nasiam_dsl.api.compile` builds a supernet or a fixed network, `nasiam.sample(...)` draws
members of a space (`nasiam_dsl.compile.sample.sample_members`), and `nasiam.compile` is the
compiler package (`nasiam_dsl.compile`). Both are imported on first use: they bring torch.
"""

from nasiam_dsl.api import SearchResult, TrainResult, evaluate, load, search, to_text, train
from nasiam_dsl.version import __version__

__all__ = [
    "SearchResult",
    "TrainResult",
    "__version__",
    "compile",
    "evaluate",
    "load",
    "sample",
    "search",
    "to_text",
    "train",
]


def __getattr__(name: str):
    """`compile` (the compiler package) and `sample`, imported on first use (torch)."""
    if name == "compile":
        import nasiam_dsl.compile as compiler

        return compiler
    if name == "sample":
        from nasiam_dsl.compile.sample import sample_members

        return sample_members
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
