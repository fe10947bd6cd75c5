"""The one error type for missing, corrupt or unknown datasets."""

from __future__ import annotations


class DatasetError(Exception):
    """A dataset could not be found, read or named; the message says where and what was expected."""
