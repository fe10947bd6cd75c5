"""The `nasiam` command: thin click commands over the Python API, one module per group of
commands (`lang_cmds`, `genotype_cmds`, `run_cmds`, `eval_cmd`, `export_cmd`,
`compare_cmd`, `show_cmds`, `framework_cmd`); `app` holds the
group and what they share. `nasiam_dsl.cli:main` is the console script."""

from nasiam_dsl.cli import (  # noqa: F401  (importing a module registers its commands)
    compare_cmd,
    eval_cmd,
    export_cmd,
    framework_cmd,
    genotype_cmds,
    lang_cmds,
    run_cmds,
    show_cmds,
)
from nasiam_dsl.cli.app import main

__all__ = ["main"]
