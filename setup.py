"""Package discovery: every package under nasiam_dsl/, plus the two data packages that live at
the top of the repository (their folders are mapped in pyproject.toml's package-dir).

pyproject.toml cannot combine automatic discovery with packages mapped from other folders, so
this one call does it; everything else is declared in pyproject.toml.
"""

from setuptools import find_packages, setup

DATA_PACKAGES = ["nasiam_dsl.grammars", "nasiam_dsl.spaces"]

setup(packages=find_packages(include=["nasiam_dsl", "nasiam_dsl.*"]) + DATA_PACKAGES)
