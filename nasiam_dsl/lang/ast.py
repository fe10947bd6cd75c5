"""The typed syntax tree of nasiam text: one pydantic model per construct.

Every node keeps its source position (`pos`), which is ignored by equality, so
`parse(print(ast)) == ast` compares meaning, not layout. Sequences are tuples so
that nodes are immutable and hashable.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

Scalar = Union[bool, int, float, str]


class Pos(BaseModel):
    """A 1-based source span.

    A position inside a block's definition, once the block is expanded at a use site, says
    where: `via` is the use site and `via_block` the block's name (nested uses chain).
    """

    model_config = ConfigDict(frozen=True)
    line: int
    column: int
    end_line: int
    end_column: int
    via: Pos | None = None
    via_block: str | None = None


# Fields that say where a node is or what expansion knew of it, not what it means:
# equality and hashing ignore them.
_WHERE = frozenset({"pos", "key", "depths"})


class Node(BaseModel):
    """Base of all syntax nodes: immutable, strict, position-carrying."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    pos: Pos | None = Field(default=None, exclude=True, repr=False)

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return NotImplemented
        return self._key() == other._key()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple[Any, ...]:
        return tuple(
            (name, getattr(self, name)) for name in type(self).model_fields if name not in _WHERE
        )


def _decision() -> Any:
    """The `key` field of a choice: its decision key, set by the one choice walk
    (`lang/walk.keyed`) on every document the parser returns. Two choices that read alike
    are still two decisions; equality ignores the key, as it ignores positions."""
    return Field(default=None, exclude=True, repr=False)


# ---- widths, sets and annotations -------------------------------------------------


class IntLit(Node):
    """An integer (a width, a count); `prob` is a genotype's annotation."""

    kind: Literal["int"] = "int"
    value: int
    prob: float | None = None


class Term(Node):
    """A bare name with keyword options, e.g. `relu`, `bn(affine=false)`."""

    kind: Literal["term"] = "term"
    name: str
    kwargs: tuple[KwArg, ...] = ()
    prob: float | None = None


class KwArg(Node):
    """`name=value` option of a call or term."""

    name: str
    value: Scalar


SetItem = Union[IntLit, Term]


class SetLiteral(Node):
    """`{a, b, c}`: candidates written in place."""

    kind: Literal["literal"] = "literal"
    items: tuple[SetItem, ...]


class SetRef(Node):
    """`(name)`: a set bound by `let`."""

    kind: Literal["ref"] = "ref"
    name: str


SetExpr = Union[SetLiteral, SetRef]


class WidthName(Node):
    """A width given by name: `backbone`, or an integer bound by `let`."""

    kind: Literal["name"] = "name"
    name: str


class WidthChoice(Node):
    """`width{256, 512}`: a choice of output width (weights shared by masking)."""

    kind: Literal["choice"] = "choice"
    options: SetExpr
    label: str | None = None
    key: str | None = _decision()


Width = Union[IntLit, WidthName, WidthChoice]
Argument = Union[IntLit, WidthName, WidthChoice, KwArg]


# ---- inputs ------------------------------------------------------------------------


class Ref(Node):
    """A reference to a node or to the head input."""

    kind: Literal["ref"] = "ref"
    name: str
    prob: float | None = None


class Combine(Node):
    """`sum(a, b)`, or `sum(pick 2 of {a, b, c})` when `pick` is set (an input choice).

    A `depth(pick 1 of {...})` that `repeat {2, 4} b(...)` expands to knows the depth each
    input stands for (`depths`, 2 and 4): a depth decision's candidates are depths.
    """

    kind: Literal["combine"] = "combine"
    mode: Literal["sum", "mean", "concat", "depth"]
    inputs: tuple[Ref, ...]
    pick: int | None = None
    label: str | None = None
    key: str | None = _decision()
    depths: tuple[int, ...] | None = Field(default=None, exclude=True, repr=False)


Input = Union[Ref, Combine]


# ---- ops and pipelines --------------------------------------------------------------


class Call(Node):
    """One op: `linear(2048, bias=false)`, `bn`, `relu`, `avgpool`, `identity`, ..."""

    kind: Literal["call"] = "call"
    name: str
    args: tuple[Argument, ...] = ()


class ActChoice(Node):
    """`act{relu, gelu}` or `act(acts)`: a choice of activation."""

    kind: Literal["act"] = "act"
    options: SetExpr
    label: str | None = None
    key: str | None = _decision()


class NormChoice(Node):
    """`norm{bn, layernorm, none}`: a choice of normalisation."""

    kind: Literal["norm"] = "norm"
    options: SetExpr
    label: str | None = None
    key: str | None = _decision()


class Each(Node):
    """`each{maxpool, avgpool}` in a candidate of `choose`: one candidate per item."""

    kind: Literal["each"] = "each"
    options: SetExpr


Stage = Union[Call, ActChoice, NormChoice, Each]


class Pipeline(Node):
    """`source | stage | stage`: an input (or an op choice) followed by unary stages.

    `copies` is a candidate's `* N`: N equal candidates of its `choose`.
    """

    source: Ref | Combine | Choose
    stages: tuple[Stage, ...] = ()
    prob: float | None = None
    copies: int = 1


class Choose(Node):
    """`choose(p1, p2, ...)`: a choice among whole pipelines (DARTS mixed op)."""

    kind: Literal["choose"] = "choose"
    candidates: tuple[Pipeline, ...]
    label: str | None = None
    key: str | None = _decision()


# ---- statements ---------------------------------------------------------------------


class Comments(Node):
    """Comments attached to a statement, kept so that `nasiam fmt` loses none."""

    leading: tuple[str, ...] = ()
    trailing: str | None = None


class NodeDef(Node):
    """`name = pipeline`: one node of a head's DAG.

    `repeat` is set on `name = repeat N block(...)` (an `IntLit`: N layers in sequence) and
    `name = repeat {1, 2, 3} block(...)` (a `SetLiteral`: the depth is a decision).
    """

    name: str
    expr: Pipeline
    repeat: IntLit | SetLiteral | None = None
    comments: Comments = Comments()


class BlockDef(Node):
    """`block name(input, p1, ...) { pipeline }` or `block name(input, ...) { nodes }`.

    The first parameter is the block's input; the others stand for widths or `let` sets.
    Exactly one of `expr` (a pipeline block) and `nodes` (a sub-graph, the last node its
    output) is given.
    """

    name: str
    params: tuple[str, ...]
    nodes: tuple[NodeDef, ...] = ()
    expr: Pipeline | None = None
    comments: Comments = Comments()
    closing: tuple[str, ...] = ()


class Head(Node):
    """`head name(input: source) { nodes }`; the last node is the head's output.

    `source` is `backbone`, the name of another head, or an explicit width.
    """

    name: str
    input: str
    source: str | int
    nodes: tuple[NodeDef, ...]
    comments: Comments = Comments()
    closing: tuple[str, ...] = ()


class LetDef(Node):
    """`let name = {...}` or `let name = 2048`."""

    name: str
    value: SetLiteral | IntLit
    comments: Comments = Comments()


class Whole(Node):
    """A constraint's scope: every head together (no scope written)."""

    kind: Literal["whole"] = "whole"


class PerHead(Node):
    """A constraint's scope `per head`: the bound holds for each head on its own."""

    kind: Literal["per_head"] = "per_head"


class InHead(Node):
    """A constraint's scope `in NAME`: the bound holds in the head named NAME."""

    kind: Literal["in_head"] = "in_head"
    name: str


Scope = Annotated[Union[Whole, PerHead, InHead], Field(discriminator="kind")]


class Constraint(Node):
    """`constraint count(identity) <= 2 per head`, `constraint params <= 5M`, ...

    `metric` is `count` (with op names in `ops`), `params` or `flops` (with an
    optional head in `target`); `scope` says which heads the bound covers.
    """

    metric: Literal["count", "params", "flops"]
    ops: tuple[str, ...] = ()
    target: str | None = None
    cmp: Literal["<=", "<", ">=", ">", "=="]
    bound: int | float
    scope: Scope = Whole()
    comments: Comments = Comments()


class MetaEntry(Node):
    """`key = value` in a `meta { }` block."""

    key: str
    value: Scalar
    comments: Comments = Comments()


class Meta(Node):
    """Provenance and free-form facts: source space, hash, framework, dataset, seed, ..."""

    entries: tuple[MetaEntry, ...]
    comments: Comments = Comments()
    closing: tuple[str, ...] = ()

    def get(self, key: str, default: Scalar | None = None) -> Scalar | None:
        for entry in self.entries:
            if entry.key == key:
                return entry.value
        return default


class Document(Node):
    """A whole file: a `space` (open choices) or a `genotype` (all choices closed).

    `heads` are always plain nodes, what every later room reads. A document that uses
    blocks, `repeat`, `each` or `* N` keeps its heads as written in `written` (what the
    printer shows) and their expansion (`lang/expand.py`) in `heads`.
    """

    kind: Literal["space", "genotype"]
    name: str
    framework: str | None = None
    meta: Meta | None = None
    lets: tuple[LetDef, ...] = ()
    heads: tuple[Head, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    comments: Comments = Comments()
    closing: tuple[str, ...] = ()
    blocks: tuple[BlockDef, ...] = ()
    written: tuple[Head, ...] | None = None

    def head(self, name: str) -> Head:
        for head in self.heads:
            if head.name == name:
                return head
        raise KeyError(name)


for _model in (Pos, Term, Pipeline, Choose):
    _model.model_rebuild()
