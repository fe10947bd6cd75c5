"""Genotypes and their spaces: membership (`check --space`, `train --space`), `nasiam pin`
and `nasiam import-nasiam` (docs/genotypes.md)."""

from __future__ import annotations

from pathlib import Path

import click

from nasiam_dsl.cli.app import err, main, out, print_nas, user_errors
from nasiam_dsl.files import atomic_write_text
from nasiam_dsl.lang import ast, print_document
from nasiam_dsl.lang.parser import read_source
from nasiam_dsl.resources import spec_path
from nasiam_dsl.usage import UsageProblem


def _space(given: Path, backbone_dim: int | None = None) -> tuple[ast.Document, Path]:
    from nasiam_dsl.api import load

    path = spec_path(given)
    doc = load(path, backbone_dim=backbone_dim)
    if doc.kind != "space":
        raise UsageProblem(f"--space {given}: is a {doc.kind}, not a space")
    return doc, path


def member_of_space(
    genotype: ast.Document, genotype_path: Path, space: Path, backbone_dim: int | None = None
) -> bool:
    """Print every mismatch of `genotype` against `space` (False), or that it is a member."""
    from nasiam_dsl.membership import membership

    space_doc, space_file = _space(space, backbone_dim)
    result = membership(genotype, space_doc, space_file=space_file, backbone_dim=backbone_dim)
    if result.ok:
        return True
    text = result.render(
        read_source(genotype_path), str(genotype_path), read_source(space_file), str(space_file)
    )
    err.print(text, markup=False, highlight=False, soft_wrap=True)
    err.print(f"{genotype_path}: not a member of space '{space_doc.name}'", style="bold red")
    return False


def raise_unless_member_of(genotype_path: Path, space: Path) -> None:
    """Membership first (`nasiam train --space`): every mismatch, then exit 2."""
    from nasiam_dsl.api import load

    doc = load(genotype_path)
    if doc.kind != "genotype":
        raise UsageProblem(f"{genotype_path} is a {doc.kind}; --space checks a genotype")
    if not member_of_space(doc, genotype_path, space):
        raise UsageProblem(
            f"{genotype_path} is not a member of {space}",
            "train it without --space, or fix the lines above",
        )


def _write_or_print(doc: ast.Document, to: Path | None) -> None:
    text = print_document(doc)
    if to is None:
        print_nas(text)
        return
    atomic_write_text(to, text)
    out.print(f"wrote {to}", markup=False, soft_wrap=True)


@main.command()
@click.argument("space", type=click.Path(path_type=Path))
@click.argument("decisions", nargs=-1, required=True)
@click.option("--out", "to", type=click.Path(path_type=Path), default=None, help="Write FILE.")
@click.option("--name", default=None, help="The genotype's name (default: SPACE_pinned).")
@user_errors
def pin(space: Path, decisions: tuple[str, ...], to: Path | None, name: str | None) -> None:
    """The member of SPACE that DECISIONS (`key=candidate`, by index or text) select.

    Keys are the decision keys `nasiam compile SPACE` lists; every visible decision must be
    given; all problems are reported at once.
    """
    from nasiam_dsl.pin import PinError
    from nasiam_dsl.pin import pin as pin_space

    assignments: dict[str, str | int] = {}
    for item in decisions:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageProblem(f"{item!r}: expected key=candidate, e.g. projector.h1.act=gelu")
        assignments[key.strip()] = value.strip()
    doc, _ = _space(space)
    try:
        genotype = pin_space(doc, assignments, name=name)
    except PinError as e:
        listed = "\n".join(f"  - {problem}" for problem in e.problems)
        raise UsageProblem(f"cannot pin space '{doc.name}':\n{listed}") from None
    _write_or_print(genotype, to)


@main.command(name="import-nasiam")
@click.argument("genotype")
@click.option("--space", type=click.Path(path_type=Path), required=True, help="The seed space.")
@click.option("--out", "to", type=click.Path(path_type=Path), default=None, help="Write FILE.")
@click.option("--name", default=None, help="The genotype's name.")
@user_errors
def import_nasiam(genotype: str, space: Path, to: Path | None, name: str | None) -> None:
    """A NASiam seed genotype (its `Genotype(...)` TEXT, or a FILE holding it) as a member
    of SPACE (e.g. `nasiam`, `nasiam_moco`, `nasiam_simclr`)."""
    from nasiam_dsl.interop import import_seed_genotype

    as_file = Path(genotype)
    is_file = "(" not in genotype and as_file.is_file()
    text = read_source(as_file) if is_file else genotype
    doc, _ = _space(space)
    filename = str(as_file) if is_file else "<genotype text>"
    _write_or_print(import_seed_genotype(text, doc, filename=filename, name=name), to)
