"""The examples in the package's own docstrings run as written."""

import doctest

import pytest

import nasiam_dsl
import nasiam_dsl.lang


@pytest.mark.parametrize("module", [nasiam_dsl, nasiam_dsl.lang], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
