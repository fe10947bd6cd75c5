"""Text → AST. The grammar is `grammars/nasiam.lark`, loaded once and cached."""

from __future__ import annotations

import contextlib
import functools
import gc
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.comments import attach_comments
from nasiam_dsl.lang.errors import Diagnostic, DSLError
from nasiam_dsl.lang.expand import with_expansion

DEFAULT_MAX_BYTES = 4 * 1024 * 1024
MAX_NESTING = 100  # deeper trees would exhaust Python's stack in the transformer
MAX_DIGITS = 1000  # far past any width or bound; keeps str(int) under Python's 4,300 digits

_TOKEN_NAMES = {
    "NAME": "a name",
    "INT": "an integer",
    "FLOAT": "a number",
    "STRING": "a string",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "LPAR": "'('",
    "RPAR": "')'",
    "COMMA": "','",
    "EQUAL": "'='",
    "VBAR": "'|'",
    "COLON": "':'",
    "AT": "'@'",
    "$END": "end of file",
}


def _grammar_text() -> str:
    from nasiam_dsl.resources import shipped

    return shipped("grammars", "nasiam.lark").read_text("utf-8")


@functools.cache
def _parser() -> Lark:
    return Lark(
        _grammar_text(),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
    )


def keywords() -> frozenset[str]:
    """Every word the grammar reserves somewhere (`space`, `head`, `choose`, `sum`, ...)."""
    return frozenset(
        t.pattern.value
        for t in _parser().terminals
        if t.pattern.type == "str" and t.pattern.value.isalpha()
    )


def _pos(meta: Any) -> ast.Pos | None:
    if getattr(meta, "empty", True):
        return None
    return ast.Pos(
        line=meta.line, column=meta.column, end_line=meta.end_line, end_column=meta.end_column
    )


def _tok_pos(tok: Token) -> ast.Pos:
    return ast.Pos(
        line=tok.line or 1,
        column=tok.column or 1,
        end_line=tok.end_line or tok.line or 1,
        end_column=tok.end_column or (tok.column or 1) + len(tok),
    )


def parse_int(text: str) -> int:
    """`2048`, `2_048`, `5k`, `2M`, `1G` → int."""
    scale = {"k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9}.get(text[-1], 1)
    digits = text[:-1] if scale != 1 else text
    return int(digits.replace("_", "")) * scale


def _int(tok: Token) -> int:
    """An INT token's value; an absurdly long one is an error, not a crash in int()/str()."""
    digits = sum(c.isdigit() for c in tok)
    if digits > MAX_DIGITS:
        raise _SemanticSyntaxError(
            f"number too long ({digits:,} digits)",
            _tok_pos(tok),
            hint=f"numbers have at most {MAX_DIGITS:,} digits",
        )
    return parse_int(tok)


def _number(tok: Token) -> int | float:
    if tok.type == "INT":
        return _int(tok)
    value = float(tok.replace("_", ""))
    if not math.isfinite(value):  # 1e999: inf would print as `inf`, which does not parse
        raise _SemanticSyntaxError(
            f"number too large: {_short(tok)}",
            _tok_pos(tok),
            hint="floating-point numbers stay below 1.8e308",
        )
    return value


def _short(tok: Token) -> str:
    return str(tok) if len(tok) <= 24 else f"{tok[:20]}..."


def _unquote(text: str) -> str:
    body = text[1:-1]
    out, i = [], 0
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            out.append(escapes.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


class _SemanticSyntaxError(Exception):
    def __init__(self, message: str, pos: ast.Pos | None, hint: str | None = None):
        super().__init__(message)
        self.diagnostic = Diagnostic(message, pos, hint=hint)


@v_args(meta=True)
class _Builder(Transformer):
    """Lark tree → pydantic AST, keeping positions."""

    def start(self, meta, children):
        return children[0]

    def document(self, meta, children):
        kind, name, framework, *items = children
        fields: dict[str, Any] = {"lets": [], "heads": [], "constraints": [], "blocks": []}
        meta_block = None
        for item in items:
            if isinstance(item, ast.Meta):
                if meta_block is not None:
                    raise _SemanticSyntaxError("a document has at most one meta block", item.pos)
                meta_block = item
            elif isinstance(item, ast.LetDef):
                fields["lets"].append(item)
            elif isinstance(item, ast.Head):
                fields["heads"].append(item)
            elif isinstance(item, ast.BlockDef):
                fields["blocks"].append(item)
            else:
                fields["constraints"].append(item)
        return ast.Document(
            kind=str(kind),
            name=str(name),
            framework=str(framework) if framework is not None else None,
            meta=meta_block,
            lets=tuple(fields["lets"]),
            heads=tuple(fields["heads"]),
            constraints=tuple(fields["constraints"]),
            blocks=tuple(fields["blocks"]),
            pos=_pos(meta),
        )

    def block(self, meta, children):
        name, *params, body = children
        return ast.BlockDef(
            name=str(name), params=tuple(str(p) for p in params), **body, pos=_pos(meta)
        )

    def block_nodes(self, meta, children):
        return {"nodes": tuple(children)}

    def block_expr(self, meta, children):
        return {"expr": children[0]}

    def repeat(self, meta, children):
        (count,) = children
        if isinstance(count, Token):
            return ast.IntLit(value=_int(count), pos=_tok_pos(count))
        return count

    def each(self, meta, children):
        return ast.Each(options=children[0], pos=_pos(meta))

    def kind(self, meta, children):
        return children[0]

    def meta(self, meta, children):
        return ast.Meta(entries=tuple(children), pos=_pos(meta))

    def meta_entry(self, meta, children):
        key, value = children
        if isinstance(value, Token):
            value = _number(value)
        return ast.MetaEntry(key=str(key), value=value, pos=_pos(meta))

    def string(self, meta, children):
        return _unquote(children[0])

    def true(self, meta, children):
        return True

    def false(self, meta, children):
        return False

    def value_name(self, meta, children):
        return str(children[0])

    def let(self, meta, children):
        name, value = children
        if isinstance(value, Token):
            value = ast.IntLit(value=_int(value), pos=_tok_pos(value))
        return ast.LetDef(name=str(name), value=value, pos=_pos(meta))

    def head(self, meta, children):
        name, input_name, source, *nodes = children
        return ast.Head(
            name=str(name),
            input=str(input_name),
            source=source,
            nodes=tuple(nodes),
            pos=_pos(meta),
        )

    def source_name(self, meta, children):
        return str(children[0])

    def source_width(self, meta, children):
        return _int(children[0])

    def node(self, meta, children):
        name, repeat, expr = children
        return ast.NodeDef(name=str(name), expr=expr, repeat=repeat, pos=_pos(meta))

    def pipeline(self, meta, children):
        source, *stages = children
        if isinstance(source, tuple):  # call_with_input: (input, first stage)
            source, first = source
            stages = [first, *stages]
        return ast.Pipeline(source=source, stages=tuple(stages), pos=_pos(meta))

    def call_with_input(self, meta, children):
        name, input_, *args = children
        return input_, ast.Call(name=str(name), args=tuple(args), pos=_pos(meta))

    def choose(self, meta, children):
        *candidates, label = children
        return ast.Choose(candidates=tuple(candidates), label=label, pos=_pos(meta))

    def candidate(self, meta, children):
        pipeline, copies, prob = children
        update: dict[str, Any] = {}
        if copies is not None:
            update["copies"] = _int(copies)
        if prob is not None:
            update["prob"] = prob
        return pipeline.model_copy(update=update) if update else pipeline

    def ref(self, meta, children):
        return ast.Ref(name=str(children[0]), pos=_tok_pos(children[0]))

    def combine_mode(self, meta, children):
        return str(children[0])

    def combine_fixed(self, meta, children):
        mode, *refs = children
        return ast.Combine(mode=mode, inputs=tuple(refs), pos=_pos(meta))

    def combine_pick(self, meta, children):
        mode, k, *items, label = children
        return ast.Combine(
            mode=mode, inputs=tuple(items), pick=_int(k), label=label, pos=_pos(meta)
        )

    def pick_item(self, meta, children):
        name, prob = children
        return ast.Ref(name=str(name), prob=prob, pos=_tok_pos(name))

    def call(self, meta, children):
        name, *args = children
        args = [a for a in args if a is not None]
        return ast.Call(name=str(name), args=tuple(args), pos=_pos(meta))

    def act_choice(self, meta, children):
        options, label = children
        return ast.ActChoice(options=options, label=label, pos=_pos(meta))

    def norm_choice(self, meta, children):
        options, label = children
        return ast.NormChoice(options=options, label=label, pos=_pos(meta))

    def kwarg(self, meta, children):
        name, value = children
        if isinstance(value, Token):
            value = _number(value)
        return ast.KwArg(name=str(name), value=value, pos=_pos(meta))

    def width_int(self, meta, children):
        return ast.IntLit(value=_int(children[0]), pos=_pos(meta))

    def width_name(self, meta, children):
        return ast.WidthName(name=str(children[0]), pos=_pos(meta))

    def width_choice(self, meta, children):
        options, label = children
        return ast.WidthChoice(options=options, label=label, pos=_pos(meta))

    def set_ref(self, meta, children):
        return ast.SetRef(name=str(children[0]), pos=_pos(meta))

    def set_literal(self, meta, children):
        return ast.SetLiteral(items=tuple(c for c in children if c is not None), pos=_pos(meta))

    def set_item(self, meta, children):
        item, prob = children
        if isinstance(item, Token):
            item = ast.IntLit(value=_int(item), pos=_tok_pos(item))
        return item.model_copy(update={"prob": prob}) if prob is not None else item

    def term(self, meta, children):
        name, *kwargs = children
        return ast.Term(
            name=str(name), kwargs=tuple(k for k in kwargs if k is not None), pos=_pos(meta)
        )

    def label(self, meta, children):
        return str(children[0])

    def prob(self, meta, children):
        value = _number(children[0])
        try:
            return float(value)
        except OverflowError:  # an integer past 1.8e308
            raise _SemanticSyntaxError(
                f"probability too large: {_short(children[0])}",
                _tok_pos(children[0]),
                hint="a probability is between 0 and 1",
            ) from None

    def constraint(self, meta, children):
        (metric, ops, target), cmp, bound, scope = children
        return ast.Constraint(
            metric=metric,
            ops=ops,
            target=target,
            cmp=str(cmp),
            bound=_number(bound),
            scope=scope if scope is not None else ast.Whole(),
            pos=_pos(meta),
        )

    def cmp(self, meta, children):
        return str(children[0])

    def metric_count(self, meta, children):
        return "count", tuple(str(c) for c in children), None

    def size_metric(self, meta, children):
        return str(children[0])

    def metric_size(self, meta, children):
        metric, target = children
        return metric, (), str(target) if target is not None else None

    def per_head(self, meta, children):
        return ast.PerHead(pos=_pos(meta))

    def in_head(self, meta, children):
        return ast.InHead(name=str(children[0]), pos=_pos(meta))


def _describe_expected(expected: set[str]) -> str:
    names = sorted({_TOKEN_NAMES.get(e, _keyword(e)) for e in expected})
    if len(names) > 6:
        names = [*names[:6], "..."]
    return ", ".join(names)


def _keyword(terminal: str) -> str:
    name = terminal.lstrip("_").lower()
    if name.startswith("__anon"):
        return "a symbol"
    return f"'{name}'"


def _syntax_diagnostic(err: UnexpectedInput, text: str) -> Diagnostic:
    line, column = max(err.line, 1), max(err.column, 1)
    if isinstance(err, UnexpectedCharacters):
        char = text[err.pos_in_stream] if err.pos_in_stream < len(text) else "?"
        message = f"unexpected character {char!r}"
        hint = "names are letters, digits and '_'; '#' starts a comment"
        end = column + 1
        if char == '"':
            message = "unterminated string"
            hint = "a string ends with '\"' on the line it starts; write \\n for a newline"
        elif char.isdigit():
            word = re.match(r"[\w.]+", text[err.pos_in_stream :])
            shown = word.group() if word else char
            message, end = f"bad number {shown!r}", column + len(shown)
            hint = "numbers look like 2048, 2_048, 5k, 2M, 1G, 0.5 or 1e-3"
        pos = ast.Pos(line=line, column=column, end_line=line, end_column=end)
        return Diagnostic(message, pos, hint=hint)
    if isinstance(err, UnexpectedEOF) or (
        isinstance(err, UnexpectedToken) and err.token.type == "$END"
    ):
        # lines end at '\n' only, as lark counts them ('\r', '\f', U+2028 are not breaks)
        lines = text.split("\n")
        if len(lines) > 1 and lines[-1] == "":
            lines.pop()  # after a final newline, point at the end of the last line
        last = len(lines)
        col = len(lines[-1].rstrip("\r")) + 1
        expected = getattr(err, "expected", None) or getattr(err, "accepts", set())
        pos = ast.Pos(line=last, column=col, end_line=last, end_column=col + 1)
        if set(expected) == {"SPACE", "GENOTYPE"}:  # nothing but blanks and comments
            hint = "a file holds one `space NAME { ... }` or `genotype NAME { ... }`"
            return Diagnostic("empty file: no space or genotype in it", pos, hint=hint)
        hint = f"expected {_describe_expected(set(expected))}" if expected else None
        return Diagnostic("unexpected end of file (is a '}' missing?)", pos, hint=hint)
    assert isinstance(err, UnexpectedToken)
    tok = err.token
    expected = err.accepts or err.expected
    pos = _tok_pos(tok)
    return Diagnostic(
        f"unexpected {str(tok)!r}",
        pos,
        hint=f"expected {_describe_expected(set(expected))}" if expected else None,
    )


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


_BRACKETS_SKIPPING_STRINGS = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|[(){}]')


def _too_deep(text: str) -> int | None:
    """Offset of the first bracket nesting deeper than MAX_NESTING (strings, comments skipped).

    Checked before parsing: deep nesting would otherwise end in a RecursionError
    while the tree is turned into the AST.
    """
    depth = 0
    for match in _BRACKETS_SKIPPING_STRINGS.finditer(text):
        ch = match.group()
        if ch in "({":
            depth += 1
            if depth > MAX_NESTING:
                return match.start()
        elif ch in ")}":
            depth -= 1
    return None


def _check_input(text: str, max_bytes: int | None) -> None:
    size = len(text.encode("utf-8", "surrogatepass"))
    if max_bytes is not None and size > max_bytes:
        raise DSLError(
            [
                Diagnostic(
                    f"file is {size:,} bytes, over the {max_bytes:,}-byte limit",
                    ast.Pos(line=1, column=1, end_line=1, end_column=2),
                    hint="is this the right file? (the Python API takes parse(text, max_bytes=N))",
                    code="size",
                )
            ],
        )
    too_deep = _too_deep(text)
    if too_deep is not None:
        line, column = _line_col(text, too_deep)
        raise DSLError(
            [
                Diagnostic(
                    f"brackets nest more than {MAX_NESTING} deep",
                    ast.Pos(line=line, column=column, end_line=line, end_column=column + 1),
                    hint="split the expression into several nodes",
                    code="size",
                )
            ]
        )
    nul = text.find("\x00")
    if nul >= 0:
        line, column = _line_col(text, nul)
        raise DSLError(
            [
                Diagnostic(
                    "NUL byte in text",
                    ast.Pos(line=line, column=column, end_line=line, end_column=column + 1),
                    hint="is this a binary file?",
                )
            ]
        )


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building trees.

    Parsing allocates many small objects and no cycles worth collecting; with the collector
    running, its passes over the growing heap made large files superlinear (972 vs
    350 µs/node at 5,000 nodes, benchmarks/parse_scaling.py).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse(
    text: str, filename: str = "<text>", *, max_bytes: int | None = DEFAULT_MAX_BYTES
) -> ast.Document:
    """Parse nasiam text into a `Document`; raise `DSLError` with file:line:col on failure.

    Syntax only: semantic checks live in `nasiam_dsl.lang.check`.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        _check_input(text, max_bytes)
    except DSLError as err:
        err.source, err.filename = text, filename
        raise DSLError(err.diagnostics, text, filename) from None
    comments: list[Token] = []
    try:
        with _no_cyclic_gc():
            tree = _parser().parse(text, on_error=None)
            doc = _Builder().transform(tree)
    except UnexpectedInput as err:
        raise DSLError([_syntax_diagnostic(err, text)], text, filename) from None
    except VisitError as err:
        if isinstance(err.orig_exc, _SemanticSyntaxError):
            raise DSLError([err.orig_exc.diagnostic], text, filename) from None
        raise
    comments = _comments(text)
    doc = attach_comments(doc, comments) if comments else doc
    return with_expansion(doc)


def _comments(text: str) -> list[tuple[int, int, str]]:
    """(line, column, text) of every `#` comment, found with the lexer itself."""
    if "#" not in text:
        return []
    found: list[tuple[int, int, str]] = []
    lexer = _comment_lexer()
    for tok in lexer.lex(text):
        if tok.type == "COMMENT":
            found.append((tok.line, tok.column, str(tok).rstrip()))
    return found


@functools.cache
def _comment_lexer() -> Lark:
    """A lexer that yields comments: strings may contain '#', so a regex alone is wrong."""
    grammar = r"""
        start: (COMMENT | STRING | OTHER)*
        COMMENT: /#[^\r\n]*/
        STRING: /"([^"\\\n]|\\.)*"/
        OTHER: /[^#"\s]+|"/
        %import common.WS
        %ignore WS
    """
    return Lark(grammar, parser="lalr", lexer="basic")


def read_source(path: str | Path) -> str:
    """A file's text exactly as `parse_file` reads it: UTF-8, BOM dropped, newlines untouched.

    (`Path.read_text` translates a lone '\r' into '\n', which would move every position.)
    """
    text = Path(path).read_bytes().decode("utf-8", "replace")
    return text[1:] if text.startswith("\ufeff") else text


def parse_file(path: str | Path, **kwargs: Any) -> ast.Document:
    """Read and parse a file; unreadable or non-UTF-8 files raise `DSLError` too."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise DSLError(
            [Diagnostic(f"cannot read file: {err.strerror or err}", None, code="io")],
            None,
            str(path),
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        line_start = data.rfind(b"\n", 0, err.start) + 1
        # a column counts characters, like every other position: the bytes before the bad
        # one on its line decode (the first undecodable byte is at err.start)
        column = len(data[line_start : err.start].decode("utf-8")) + 1
        pos = ast.Pos(line=line, column=column, end_line=line, end_column=column + 1)
        raise DSLError(
            [Diagnostic("file is not valid UTF-8", pos, hint="save it as UTF-8", code="io")],
            data.decode("utf-8", "replace"),
            str(path),
        ) from None
    return parse(text, str(path), **kwargs)


__all__ = ["keywords", "parse", "parse_file", "parse_int", "read_source"]
