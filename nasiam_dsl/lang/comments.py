"""Attach `#` comments to the statements they annotate, so formatting loses none.

A comment on the line where a statement ends is that statement's trailing comment;
any other comment leads the next statement of its block, or closes the block.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nasiam_dsl.lang import ast

Comment = tuple[int, int, str]


def _span(node: ast.Node) -> tuple[int, int, int]:
    assert node.pos is not None
    return node.pos.line, node.pos.end_line, node.pos.end_column


def _blocks(doc: ast.Document) -> list[tuple[ast.Node, list[ast.Node]]]:
    """(container, its statements in source order), innermost containers first."""
    blocks: list[tuple[ast.Node, list[ast.Node]]] = []
    for head in doc.heads:
        blocks.append((head, list(head.nodes)))
    for block in doc.blocks:
        blocks.append((block, list(block.nodes)))
    if doc.meta is not None:
        blocks.append((doc.meta, list(doc.meta.entries)))
    top: list[ast.Node] = [*doc.lets, *doc.blocks, *doc.heads, *doc.constraints]
    if doc.meta is not None:
        top.append(doc.meta)
    top.sort(key=lambda n: (n.pos.line, n.pos.column) if n.pos else (0, 0))
    blocks.append((doc, top))
    return blocks


def attach_comments(doc: ast.Document, comments: Sequence[Comment]) -> ast.Document:
    if doc.pos is None:
        return doc
    leading: dict[int, list[str]] = {}
    trailing: dict[int, str] = {}
    closing: dict[int, list[str]] = {}
    blocks = _blocks(doc)
    statements = [s for _, stmts in blocks for s in stmts if s.pos is not None]
    first_line, last_line, _ = _span(doc)
    for line, column, text in comments:
        if line < first_line:
            leading.setdefault(id(doc), []).append(text)
            continue
        if line > last_line or (line == last_line and not _inside(doc, line, column)):
            closing.setdefault(id(doc), []).append(text)
            continue
        header = _header_owner(blocks, statements, line, column)
        if header is not None and id(header) not in trailing:
            trailing[id(header)] = text
            continue
        owner = _trailing_owner(statements, line, column)
        if owner is not None and id(owner) not in trailing:
            trailing[id(owner)] = text
            continue
        container, stmts = _container(blocks, line)
        after = [s for s in stmts if s.pos is not None and s.pos.line > line]
        if after:
            leading.setdefault(id(after[0]), []).append(text)
        else:
            closing.setdefault(id(container), []).append(text)
    return _rebuild(doc, leading, trailing, closing)


def _inside(doc: ast.Document, line: int, column: int) -> bool:
    return line < doc.pos.end_line or column < doc.pos.end_column


def _header_owner(blocks, statements, line: int, column: int) -> ast.Node | None:
    """A comment after the `{` that opens a block, with no statement (of any block) ending
    before it on its line: in `space s { head p(x: 8) { z = x  # c`, `# c` is z's."""
    if any(s.pos.end_line == line and s.pos.end_column <= column for s in statements):
        return None
    for container, _ in blocks:
        if container.pos.line == line:
            return container
    return None


def _trailing_owner(statements: list[ast.Node], line: int, column: int) -> ast.Node | None:
    ending = [s for s in statements if s.pos.end_line == line and s.pos.end_column <= column]
    if not ending:
        return None
    return min(ending, key=lambda s: s.pos.end_line - s.pos.line)


def _container(blocks: list[tuple[ast.Node, list[ast.Node]]], line: int):
    for container, stmts in blocks:
        start, end, _ = _span(container)
        if start <= line <= end:
            return container, stmts
    return blocks[-1]


def _with(node: Any, leading: dict, trailing: dict, closing: dict, **update: Any) -> Any:
    lead = tuple(leading.get(id(node), ()))
    trail = trailing.get(id(node))
    if lead or trail:
        update["comments"] = ast.Comments(leading=lead, trailing=trail)
    if id(node) in closing:
        update["closing"] = tuple(closing[id(node)])
    return node.model_copy(update=update) if update else node


def _rebuild(doc: ast.Document, leading: dict, trailing: dict, closing: dict) -> ast.Document:
    def fix(node: Any, **update: Any) -> Any:
        return _with(node, leading, trailing, closing, **update)

    heads = tuple(fix(h, nodes=tuple(fix(n) for n in h.nodes)) for h in doc.heads)
    blocks = tuple(fix(b, nodes=tuple(fix(n) for n in b.nodes)) for b in doc.blocks)
    meta = None
    if doc.meta is not None:
        meta = fix(doc.meta, entries=tuple(fix(e) for e in doc.meta.entries))
    return fix(
        doc,
        meta=meta,
        lets=tuple(fix(x) for x in doc.lets),
        heads=heads,
        blocks=blocks,
        constraints=tuple(fix(c) for c in doc.constraints),
    )
