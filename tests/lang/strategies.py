"""Hypothesis strategies that build random nasiam ASTs (syntax-valid, not checked)."""

from __future__ import annotations

from hypothesis import strategies as st

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.expand import with_expansion
from nasiam_dsl.lang.parser import keywords

KEYWORDS = keywords()

names = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True).filter(lambda s: s not in KEYWORDS)
unicode_names = st.sampled_from(["größe", "ширина", "層", "α_1"])
any_name = st.one_of(names, unicode_names)
block_names = st.sampled_from(["blk", "layer"])  # blocks and the calls that may use them
probs = st.none() | st.floats(min_value=0.0, max_value=1.0, allow_nan=False, width=64)
ints = st.integers(min_value=1, max_value=10**6)
scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=0, max_value=10**12),
    st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False),
    any_name,
)
meta_values = st.one_of(
    st.booleans(),
    st.integers(min_value=0, max_value=10**12),
    st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from('"\\\n\t'),
        max_size=20,
    ),
)
comments = st.from_regex(r"# [ -~]{0,20}", fullmatch=True).map(str.rstrip)


def kwargs() -> st.SearchStrategy:
    return st.lists(st.builds(ast.KwArg, name=any_name, value=scalars), max_size=2).map(tuple)


terms = st.builds(ast.Term, name=any_name, kwargs=kwargs(), prob=probs)
int_items = st.builds(ast.IntLit, value=ints, prob=probs)
set_literals = st.builds(
    ast.SetLiteral, items=st.lists(st.one_of(terms, int_items), max_size=4).map(tuple)
)
set_exprs = st.one_of(set_literals, st.builds(ast.SetRef, name=any_name))
labels = st.none() | any_name
widths = st.one_of(
    st.builds(ast.IntLit, value=ints),
    st.builds(ast.WidthName, name=any_name),
    st.builds(ast.WidthChoice, options=set_exprs, label=labels),
)
refs = st.builds(ast.Ref, name=any_name)
combines = st.one_of(
    st.builds(
        ast.Combine,
        mode=st.sampled_from(["sum", "mean", "concat"]),
        inputs=st.lists(refs, min_size=1, max_size=3).map(tuple),
    ),
    st.builds(
        ast.Combine,
        mode=st.sampled_from(["sum", "mean", "concat", "depth"]),
        inputs=st.lists(st.builds(ast.Ref, name=any_name, prob=probs), min_size=1, max_size=3).map(
            tuple
        ),
        pick=st.integers(min_value=1, max_value=5),
        label=labels,
    ),
)
inputs = st.one_of(refs, combines)
calls = st.builds(
    ast.Call,
    name=st.one_of(any_name, block_names),
    args=st.lists(
        st.one_of(widths, st.builds(ast.KwArg, name=any_name, value=scalars)), max_size=3
    ).map(tuple),
)
stages = st.one_of(
    calls,
    st.builds(ast.ActChoice, options=set_exprs, label=labels),
    st.builds(ast.NormChoice, options=set_exprs, label=labels),
    st.builds(ast.Each, options=set_exprs),
)


def pipelines(depth: int = 2) -> st.SearchStrategy:
    plain = st.builds(ast.Pipeline, source=inputs, stages=st.lists(stages, max_size=3).map(tuple))
    if depth == 0:
        return plain
    inner = pipelines(depth - 1).flatmap(
        lambda p: st.tuples(probs, st.integers(min_value=1, max_value=3)).map(
            lambda pc: p.model_copy(update={"prob": pc[0], "copies": pc[1]})
        )
    )
    chooses = st.builds(
        ast.Choose, candidates=st.lists(inner, min_size=1, max_size=3).map(tuple), label=labels
    )
    with_choose = st.builds(
        ast.Pipeline, source=chooses, stages=st.lists(stages, max_size=2).map(tuple)
    )
    return st.one_of(plain, with_choose)


comment_blocks = st.builds(
    ast.Comments, leading=st.lists(comments, max_size=2).map(tuple), trailing=st.none() | comments
)
repeats = st.one_of(
    st.none(),
    st.builds(ast.IntLit, value=st.integers(min_value=0, max_value=4)),
    st.builds(
        ast.SetLiteral,
        items=st.lists(
            st.builds(ast.IntLit, value=st.integers(min_value=0, max_value=4), prob=probs),
            max_size=3,
        ).map(tuple),
    ),
)
node_defs = st.builds(
    ast.NodeDef, name=any_name, expr=pipelines(), repeat=repeats, comments=comment_blocks
)
blocks = st.one_of(
    st.builds(
        ast.BlockDef,
        name=block_names,
        params=st.lists(any_name, min_size=1, max_size=3).map(tuple),
        nodes=st.lists(node_defs, max_size=3).map(tuple),
        comments=comment_blocks,
        closing=st.lists(comments, max_size=1).map(tuple),
    ),
    st.builds(
        ast.BlockDef,
        name=block_names,
        params=st.lists(any_name, min_size=1, max_size=3).map(tuple),
        expr=pipelines(1),
        comments=comment_blocks,
    ),
)
heads = st.builds(
    ast.Head,
    name=any_name,
    input=any_name,
    source=st.one_of(any_name, ints),
    nodes=st.lists(node_defs, min_size=1, max_size=4).map(tuple),
    comments=comment_blocks,
    closing=st.lists(comments, max_size=1).map(tuple),
)
lets = st.builds(
    ast.LetDef,
    name=any_name,
    value=st.one_of(set_literals, st.builds(ast.IntLit, value=ints)),
    comments=comment_blocks,
)
scopes = st.one_of(
    st.just(ast.Whole()), st.just(ast.PerHead()), st.builds(ast.InHead, name=any_name)
)
constraints = st.one_of(
    st.builds(
        ast.Constraint,
        metric=st.just("count"),
        ops=st.lists(any_name, min_size=1, max_size=3).map(tuple),
        cmp=st.sampled_from(["<=", "<", ">=", ">", "=="]),
        bound=st.integers(min_value=0, max_value=10**10),
        scope=scopes,
        comments=comment_blocks,
    ),
    st.builds(
        ast.Constraint,
        metric=st.sampled_from(["params", "flops"]),
        target=st.none() | any_name,
        cmp=st.sampled_from(["<=", "<", ">=", ">", "=="]),
        bound=st.one_of(
            st.integers(min_value=0, max_value=10**10),
            st.floats(min_value=0, max_value=1e10, allow_nan=False),
        ),
        scope=scopes,
        comments=comment_blocks,
    ),
)
metas = st.builds(
    ast.Meta,
    entries=st.lists(
        st.builds(ast.MetaEntry, key=any_name, value=meta_values, comments=comment_blocks),
        max_size=4,
    ).map(tuple),
    comments=comment_blocks,
)
documents = st.builds(
    ast.Document,
    kind=st.sampled_from(["space", "genotype"]),
    name=any_name,
    framework=st.none() | any_name,
    meta=st.none() | metas,
    lets=st.lists(lets, max_size=3).map(tuple),
    heads=st.lists(heads, max_size=3).map(tuple),
    constraints=st.lists(constraints, max_size=3).map(tuple),
    comments=comment_blocks,
    closing=st.lists(comments, max_size=1).map(tuple),
    blocks=st.lists(blocks, max_size=2).map(tuple),
).map(with_expansion)  # as parsed: heads expanded where they can be, the written ones kept
