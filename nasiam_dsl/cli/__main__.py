"""`python -m nasiam_dsl.cli`, e.g. under torchrun."""

from nasiam_dsl.cli import main

if __name__ == "__main__":
    main()
