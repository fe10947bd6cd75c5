"""AST → canonical text. The only place that decides how nasiam text looks.

`parse(print_document(doc)) == doc` for every document, and printing is
idempotent: `print(parse(print(parse(text)))) == print(parse(text))`.
"""

from __future__ import annotations

from collections.abc import Iterable

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.errors import DSLError
from nasiam_dsl.lang.expand import expand_heads

INDENT = "  "
MAX_LINE = 100


def format_scalar(value: ast.Scalar, *, string: bool = False) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        return text if ("." in text or "e" in text or "n" in text) else text + ".0"
    if string:
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped.replace(chr(9), chr(92) + "t")}"'
    return value


def format_bound(value: int | float) -> str:
    """Constraint bounds: `5M`, `250k`, `3`, `2.5e6`."""
    if isinstance(value, int) and value >= 10_000:
        for suffix, scale in (("G", 10**9), ("M", 10**6), ("k", 10**3)):
            if value % scale == 0:
                return f"{value // scale}{suffix}"
    return format_scalar(value)


def _prob(prob: float | None) -> str:
    return "" if prob is None else f" @{format_scalar(prob)}"


def _label(label: str | None) -> str:
    return "" if label is None else f" as {label}"


def format_kwarg(kw: ast.KwArg) -> str:
    return f"{kw.name}={format_scalar(kw.value)}"


def format_set_item(item: ast.SetItem) -> str:
    if isinstance(item, ast.IntLit):
        return f"{item.value}{_prob(item.prob)}"
    args = f"({', '.join(format_kwarg(k) for k in item.kwargs)})" if item.kwargs else ""
    return f"{item.name}{args}{_prob(item.prob)}"


def format_set(options: ast.SetExpr) -> str:
    if isinstance(options, ast.SetRef):
        return f"({options.name})"
    return "{" + ", ".join(format_set_item(i) for i in options.items) + "}"


def format_width(width: ast.Argument) -> str:
    if isinstance(width, ast.IntLit):
        return str(width.value)
    if isinstance(width, ast.WidthName):
        return width.name
    if isinstance(width, ast.WidthChoice):
        return f"width{format_set(width.options)}{_label(width.label)}"
    return format_kwarg(width)


def format_input(inp: ast.Input) -> str:
    if isinstance(inp, ast.Ref):
        return inp.name
    if inp.pick is None:
        return f"{inp.mode}({', '.join(r.name for r in inp.inputs)})"
    items = ", ".join(f"{r.name}{_prob(r.prob)}" for r in inp.inputs)
    return f"{inp.mode}(pick {inp.pick} of {{{items}}}){_label(inp.label)}"


def format_stage(stage: ast.Stage, first_input: str | None = None) -> str:
    if isinstance(stage, ast.Each):
        return f"each{format_set(stage.options)}"
    if isinstance(stage, ast.ActChoice):
        return f"act{format_set(stage.options)}{_label(stage.label)}"
    if isinstance(stage, ast.NormChoice):
        return f"norm{format_set(stage.options)}{_label(stage.label)}"
    args = [format_width(a) for a in stage.args]
    if first_input is not None:
        args.insert(0, first_input)
    return f"{stage.name}({', '.join(args)})" if args else stage.name


# `x | choose` must not print as `choose(x)`: at a pipeline's start these words are keywords
_KEYWORD_SOURCES = frozenset({"choose", "sum", "mean", "concat", "depth"})


def _first_is_call(p: ast.Pipeline) -> bool:
    return (
        not isinstance(p.source, ast.Choose)
        and bool(p.stages)
        and isinstance(p.stages[0], ast.Call)
        and p.stages[0].name not in _KEYWORD_SOURCES
    )


def format_pipeline(p: ast.Pipeline, indent: str = "", width: int = MAX_LINE) -> str:
    """A pipeline on one line, or its `choose` broken one candidate per line if too long."""
    flat = _pipeline_flat(p)
    if len(indent) + len(flat) <= width or not isinstance(p.source, ast.Choose):
        return flat
    inner = indent + INDENT
    cands = ",\n".join(
        inner + format_pipeline(c, inner, width) + _prob_wrapped(c) for c in p.source.candidates
    )
    text = f"choose(\n{cands},\n{indent}){_label(p.source.label)}"
    return text + "".join(" | " + format_stage(s) for s in p.stages)


def _prob_wrapped(c: ast.Pipeline) -> str:
    return (f" * {c.copies}" if c.copies != 1 else "") + _prob(c.prob)


def _pipeline_flat(p: ast.Pipeline) -> str:
    stages = list(p.stages)
    if isinstance(p.source, ast.Choose):
        cands = ", ".join(_pipeline_flat(c) + _prob_wrapped(c) for c in p.source.candidates)
        head = f"choose({cands}){_label(p.source.label)}"
    elif _first_is_call(p):
        head = format_stage(stages.pop(0), first_input=format_input(p.source))
    else:
        head = format_input(p.source)
    return " | ".join([head, *(format_stage(s) for s in stages)])


def _comment_lines(comments: ast.Comments, indent: str) -> list[str]:
    return [indent + c for c in comments.leading]


def _trail(comments: ast.Comments) -> str:
    return f"  {comments.trailing}" if comments.trailing else ""


def _constraint(c: ast.Constraint) -> str:
    return f"constraint {format_constraint_body(c)}"


def format_scope(scope: ast.Scope) -> str:
    """A constraint's scope as written after its bound: "", " per head", " in NAME"."""
    if isinstance(scope, ast.PerHead):
        return " per head"
    if isinstance(scope, ast.InHead):
        return f" in {scope.name}"
    return ""


def format_constraint_body(c: ast.Constraint) -> str:
    """A constraint without its keyword: `count(identity, avgpool) <= 1 per head`."""
    if c.metric == "count":
        metric = f"count({', '.join(c.ops)})"
    else:
        metric = c.metric + (f"({c.target})" if c.target else "")
    return f"{metric} {c.cmp} {format_bound(c.bound)}{format_scope(c.scope)}"


def format_repeat(count: ast.IntLit | ast.SetLiteral | None) -> str:
    """`repeat 6 ` or `repeat {1, 2, 3} ` before a repeated block, or nothing."""
    if count is None:
        return ""
    return f"repeat {count.value if isinstance(count, ast.IntLit) else format_set(count)} "


def _node_lines(nodes: Iterable[ast.NodeDef], body: str) -> list[str]:
    lines: list[str] = []
    for node in nodes:
        lines += _comment_lines(node.comments, body)
        prefix = f"{body}{node.name} = {format_repeat(node.repeat)}"
        expr = format_pipeline(node.expr, body, MAX_LINE - len(prefix) + len(body))
        lines.append(prefix + expr + _trail(node.comments))
    return lines


def _block_lines(block: ast.BlockDef, ind: str) -> list[str]:
    lines = [*_comment_lines(block.comments, ind)]
    header = f"{ind}block {block.name}({', '.join(block.params)})"
    if block.expr is not None:
        flat = f"{header} {{ {_pipeline_flat(block.expr)} }}"
        if len(flat) <= MAX_LINE and "\n" not in flat:
            return [*lines, flat + _trail(block.comments)]
        body = ind + INDENT
        expr = format_pipeline(block.expr, body, MAX_LINE)
        return [*lines, header + " {" + _trail(block.comments), body + expr, ind + "}"]
    lines.append(header + " {" + _trail(block.comments))
    lines += _node_lines(block.nodes, ind + INDENT)
    lines += _block_end(block.closing, ind)
    return [*lines, ind + "}"]


def written_heads(doc: ast.Document) -> tuple[ast.Head, ...]:
    """The heads as the user wrote them (blocks used), while they still expand to `heads`;
    else the plain heads (a genotype derived from a space with blocks, say)."""
    if doc.written is None:
        return doc.heads
    try:
        if expand_heads(doc) == doc.heads:
            return doc.written
    except DSLError:
        return doc.written if doc.written == doc.heads else doc.heads
    return doc.heads


def _block_end(closing: Iterable[str], indent: str) -> list[str]:
    return [indent + INDENT + c for c in closing]


def print_document(doc: ast.Document) -> str:
    """The canonical text of a document, ending with one newline."""
    out: list[str] = [*doc.comments.leading]
    header = f"{doc.kind} {doc.name}" + (f" for {doc.framework}" if doc.framework else "")
    out.append(header + " {" + _trail(doc.comments))
    sections: list[list[str]] = []
    ind = INDENT
    if doc.meta is not None:
        m = doc.meta
        lines = [*_comment_lines(m.comments, ind), ind + "meta {" + _trail(m.comments)]
        for e in m.entries:
            lines += _comment_lines(e.comments, ind + INDENT)
            value = format_scalar(e.value, string=isinstance(e.value, str))
            lines.append(f"{ind}{INDENT}{e.key} = {value}{_trail(e.comments)}")
        lines += _block_end(m.closing, ind)
        lines.append(ind + "}")
        sections.append(lines)
    if doc.lets:
        lines = []
        for let in doc.lets:
            lines += _comment_lines(let.comments, ind)
            value = (
                str(let.value.value) if isinstance(let.value, ast.IntLit) else format_set(let.value)
            )
            lines.append(f"{ind}let {let.name} = {value}{_trail(let.comments)}")
        sections.append(lines)
    for i, block in enumerate(doc.blocks):  # pipeline blocks in a row share a section
        if i and block.expr is not None and doc.blocks[i - 1].expr is not None:
            sections[-1] += _block_lines(block, ind)
        else:
            sections.append(_block_lines(block, ind))
    for head in written_heads(doc):
        lines = [*_comment_lines(head.comments, ind)]
        lines.append(
            f"{ind}head {head.name}({head.input}: {head.source}) {{" + _trail(head.comments)
        )
        lines += _node_lines(head.nodes, ind + INDENT)
        lines += _block_end(head.closing, ind)
        lines.append(ind + "}")
        sections.append(lines)
    if doc.constraints:
        lines = []
        for c in doc.constraints:
            lines += _comment_lines(c.comments, ind)
            lines.append(ind + _constraint(c) + _trail(c.comments))
        sections.append(lines)
    for i, section in enumerate(sections):
        if i:
            out.append("")
        out.extend(section)
    out += _block_end(doc.closing, "")
    out.append("}")
    return "\n".join(out) + "\n"
