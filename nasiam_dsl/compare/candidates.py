"""What a comparison pretrains: genotype files, the framework's standard heads, uniform
random members of a space, and the two baselines (random-init backbone, raw pixels)."""

from __future__ import annotations

import re
from pathlib import Path

from nasiam_dsl.compare.cells import BASELINES, Candidate
from nasiam_dsl.files import atomic_write_text
from nasiam_dsl.resources import spec_path
from nasiam_dsl.usage import UsageProblem

STANDARD = "standard"
RANDOM_DIR = "random"


NAMED = re.compile(r"([A-Za-z0-9_.-]+)=(.+)")


def named_spec(given: str) -> tuple[str | None, str]:
    """A CANDIDATE argument as (its NAME or None, its file or `standard`): `NAME=FILE`
    names one, unless the whole argument is an existing path."""
    named = NAMED.fullmatch(given) if not Path(given).exists() else None
    return (named.group(1), named.group(2)) if named else (None, given)


def genotype_candidates(specs: list[str], framework: str) -> list[Candidate]:
    """One candidate per genotype file (`standard`: the framework's standard heads), named
    after the file, or `NAME=FILE` named NAME; file names are made unique with a numeric
    suffix, a given name must be unique."""
    from nasiam_dsl.api import load
    from nasiam_dsl.lang.same import architecture_hash

    found: list[Candidate] = []
    for given in specs:
        name, spec = named_spec(given)
        if name is not None and name in {c.name for c in found} | set(BASELINES) | {RANDOM_DIR}:
            raise UsageProblem(
                f"candidate name {name!r} ({given}) is already taken",
                "give each NAME=FILE its own name (the baselines and `random` are reserved)",
            )
        if spec == STANDARD:
            path, stem = _standard_path(framework), STANDARD
        else:
            path = spec_path(spec)  # a file, or a shipped genotype by name
            stem = Path(spec).stem
            if not path.is_file():
                raise UsageProblem(f"candidate genotype not found: {spec}")
        doc = load(path)
        if doc.kind != "genotype":
            raise UsageProblem(
                f"{spec} is a space; a comparison pretrains genotypes",
                "compare the genotype a search wrote, or draw members with --random N --space",
            )
        found.append(
            Candidate(
                name=name or _unique(stem, found),
                spec=str(path.resolve()),
                architecture=architecture_hash(doc),
            )
        )
    return found


def same_heads(found: list[Candidate]) -> tuple[list[Candidate], dict[str, str]]:
    """Genotype candidates with a repeated architecture left out (trained once): the kept
    ones, and each left-out name with the name of the earlier candidate it equals."""
    kept: list[Candidate] = []
    repeats: dict[str, str] = {}
    seen: dict[str, str] = {}
    for candidate in found:
        key = candidate.architecture
        if key is not None and key in seen:
            repeats[candidate.name] = seen[key]
            continue
        if key is not None:
            seen[key] = candidate.name
        kept.append(candidate)
    return kept, repeats


def random_candidates(
    space: Path, n: int, seed: int, root: Path, backbone_dim: int, taken: list[Candidate]
) -> list[Candidate]:
    """`n` uniform members of `space`, written to `root/random/sample-NN.nas`."""
    from nasiam_dsl.api import load
    from nasiam_dsl.compile.sample import sample_members
    from nasiam_dsl.lang import print_document
    from nasiam_dsl.lang.same import architecture_hash

    doc = load(space, backbone_dim=backbone_dim)
    found = list(taken)
    for member in sample_members(doc, n, seed, backbone_dim=backbone_dim):
        path = root / RANDOM_DIR / f"sample-{member.index:02d}.nas"
        text = print_document(member.genotype)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text("utf-8") != text:
            atomic_write_text(path, text)
        name = _unique(f"random-{member.index:02d}", found)
        found.append(
            Candidate(
                name=name, spec=str(path.resolve()), architecture=architecture_hash(member.genotype)
            )
        )
    return found[len(taken) :]


def baseline_candidates() -> list[Candidate]:
    return [Candidate(name=name, kind="baseline") for name in BASELINES]


def _standard_path(framework: str) -> Path:
    from nasiam_dsl.frameworks.registry import get_framework
    from nasiam_dsl.names import UnknownNameError
    from nasiam_dsl.resources import standard_genotype

    try:
        return standard_genotype(get_framework(framework).default_genotype)
    except UnknownNameError as e:
        raise UsageProblem(f"--framework: {e}") from None


def _unique(stem: str, taken: list[Candidate]) -> str:
    names = {c.name for c in taken} | set(BASELINES) | {RANDOM_DIR}
    name, i = stem, 1
    while name in names:
        i += 1
        name = f"{stem}-{i}"
    return name
