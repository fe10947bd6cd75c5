"""Coming from NASiam: the seed code's genotype text as a member of a nasiam space.

Each field of the seed's `Genotype(...)` is one head: SimSiam's `encoder` is the projector
and `predictor` the predictor, MoCo's `encoder` the projector, SimCLR's `predictor` the
projector. Its layers are the head's open `choose` nodes, in order. Each op name is built
as the seed builds it at that layer (`seed_ops`), the layer's rule read off the space's
candidates, and taken to the candidate of that structure: by structure, not position, so
the SimCLR copy's own op order does not matter. Among equal candidates the one at the
op's position in the seed's order is taken.
"""

from __future__ import annotations

import difflib

from nasiam_dsl.interop.seed_ops import SEED_OPS, SEED_ORDER, Regime
from nasiam_dsl.interop.seed_text import Layer, SeedGenotype, parse_seed_genotype
from nasiam_dsl.lang import ast
from nasiam_dsl.lang.errors import Diagnostic, DSLError, did_you_mean
from nasiam_dsl.lang.walk import is_open, node_choices
from nasiam_dsl.membership.forms import Scope, StageForm, WidthValue, options_of
from nasiam_dsl.membership.paths import genotype_path, path_text
from nasiam_dsl.membership.select import member_document, visible_keys

__all__ = ["FIELD_HEADS", "import_seed_genotype"]

_BIASED = options_of("linear", ())  # the options of a linear with its bias

# framework -> the seed's field name -> the head it is
FIELD_HEADS: dict[str, dict[str, str]] = {
    "simsiam": {"encoder": "projector", "predictor": "predictor"},
    "mocov2": {"encoder": "projector"},
    "simclr": {"predictor": "projector"},
}


def import_seed_genotype(
    text: str,
    space: ast.Document,
    *,
    filename: str = "<nasiam genotype>",
    name: str | None = None,
) -> ast.Document:
    """The member of `space` that the seed's genotype `text` describes.

    Raises `DSLError` (positions in `text`) for malformed text, 'edge' genotypes, unknown
    fields or op names, layer counts that differ from the space's and ops the space has no
    candidate for.
    """
    seed = parse_seed_genotype(text, filename)
    importer = _Importer(seed, space)
    decisions = importer.run()
    if importer.problems:
        raise DSLError(importer.problems, text, filename)
    return member_document(
        space,
        decisions,
        name=name or f"{space.name}_{seed.name.lower()}",
        meta={"imported_from": "NASiam", "seed_genotype": " ".join(text.split())},
    )


class _Importer:
    def __init__(self, seed: SeedGenotype, space: ast.Document) -> None:
        self.seed = seed
        self.space = space
        self.scope = Scope.of(space)
        self.problems: list[Diagnostic] = []

    def fail(self, message: str, pos: ast.Pos | None, hint: str | None = None) -> None:
        self.problems.append(Diagnostic(message, pos, hint=hint, code="import"))

    def field_heads(self) -> dict[str, str]:
        known = FIELD_HEADS.get(self.space.framework or "")
        if known is not None:
            return known
        heads = {h.name for h in self.space.heads}
        if "predictor" in heads:
            return FIELD_HEADS["simsiam"]
        return FIELD_HEADS["mocov2" if "encoder" in self.seed.fields else "simclr"]

    def run(self) -> dict[str, tuple[int, ...]]:
        mapping = self.field_heads()
        decisions: dict[str, tuple[int, ...]] = {}
        for field, layers in self.seed.fields.items():
            pos = self.seed.field_pos[field]
            if field not in mapping:
                self.fail(
                    f"unknown field '{field}' for a {self.space.framework or 'this'} space",
                    pos,
                    did_you_mean(field, mapping) or f"the fields are {', '.join(mapping)}",
                )
                continue
            self.head(self.space.head(mapping[field]), field, layers, decisions)
        for field, head in mapping.items():
            if field not in self.seed.fields:
                self.fail(
                    f"the genotype has no field '{field}' (the space's head '{head}')",
                    None,
                )
        if not self.problems:
            missing = [k for k in visible_keys(self.space, decisions) if k not in decisions]
            if missing:
                self.fail(
                    "the seed's genotype does not decide "
                    + ", ".join(f"'{k}'" for k in missing)
                    + f" of space '{self.space.name}'",
                    None,
                    "pin them: nasiam pin SPACE KEY=CANDIDATE ...",
                )
        return decisions

    def head(
        self,
        head: ast.Head,
        field: str,
        layers: tuple[Layer, ...],
        decisions: dict[str, tuple[int, ...]],
    ) -> None:
        lets = self.scope.lets
        searched = [
            (node, node_choices(head, node)[0].key)
            for node in head.nodes
            if isinstance(node.expr.source, ast.Choose) and is_open(node.expr.source, lets)
        ]
        if len(layers) != len(searched):
            names = ", ".join(n.name for n, _ in searched)
            self.fail(
                f"field '{field}' has {_layers(len(layers))}, but the space's head "
                f"'{head.name}' has {len(searched)} searched layers ({names})",
                self.seed.field_pos[field],
            )
            return
        for number, (layer, (node, key)) in enumerate(zip(layers, searched, strict=True), 1):
            choice = self.layer(layer, number, field, node)
            if choice is not None:
                decisions[key] = (choice,)

    def layer(self, layer: Layer, number: int, field: str, node: ast.NodeDef) -> int | None:
        if len(layer.ops) != 1:
            self.fail(
                f"layer {number} of '{field}' holds {len(layer.ops)} ops: an 'edge' genotype "
                "(two ops a layer) has no member; only 'sparse' genotypes (one op a layer) "
                "can be imported",
                layer.pos,
            )
            return None
        (op_name,), (token,) = layer.ops, layer.op_tokens
        op = SEED_OPS.get(op_name)
        if op is None:
            hint = did_you_mean(op_name, SEED_OPS) or "the seed's ops are " + ", ".join(SEED_ORDER)
            self.fail(f"unknown NASiam op '{op_name}'", token.pos, hint)
            return None
        assert isinstance(node.expr.source, ast.Choose)
        candidates = [genotype_path(c, self.scope) for c in node.expr.source.candidates]
        shapes = [(_input(p.source), tuple(w.form for w in p.stages)) for p in candidates]
        regime, width = _regime(shapes)
        source = _input(candidates[0].source)
        wanted = (source, op.stages(regime, width))
        matches = [i for i, shape in enumerate(shapes) if shape == wanted]
        if not matches:
            built = path_text(ast.Ref(name=source or "x"), list(wanted[1]))
            texts = [path_text(c.source, [w.form for w in c.stages]) for c in candidates]
            close = difflib.get_close_matches(built, texts, n=1, cutoff=0.0)
            self.fail(
                f"the seed builds '{op_name}' at layer {number} of '{field}' ({regime.value}) "
                f"as `{built}`, which is not a candidate of node '{node.name}'",
                token.pos,
                f"did you mean the space's `{close[0]}`?" if close else None,
            )
            return None
        preferred = SEED_ORDER.index(op_name)
        return preferred if preferred in matches else matches[0]


def _layers(n: int) -> str:
    return f"{n} layer" if n == 1 else f"{n} layers"


def _input(source: ast.Ref | ast.Combine) -> str | None:
    return source.name if isinstance(source, ast.Ref) else None


def _regime(
    shapes: list[tuple[str | None, tuple[StageForm, ...]]],
) -> tuple[Regime, WidthValue | None]:
    """The seed's rule for a layer, read off its candidates, and the layer's width."""
    stages = [s for _, s in shapes]
    width = next((f.width for s in stages for f in s if f.name == "linear"), None)
    if any([f.name for f in s] == ["identity"] for s in stages):
        return Regime.SAME, width
    hidden = any(
        len(s) >= 2 and s[0].name == "linear" and s[1].name == "bn" and s[0].options != _BIASED
        for s in stages
    )
    return (Regime.CONTRACTING if hidden else Regime.EXPANDING), width
