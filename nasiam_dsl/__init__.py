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
`nasiam_dsl.api.compile` builds a supernet or a fixed network.
"""

__version__ = "0.1.0"

from nasiam_dsl.api import SearchResult, TrainResult, evaluate, load, search, to_text, train

__all__ = [
    "SearchResult",
    "TrainResult",
    "__version__",
    "evaluate",
    "load",
    "search",
    "to_text",
    "train",
]
