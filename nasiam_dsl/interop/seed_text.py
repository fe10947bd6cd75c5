"""The NASiam seed code's genotype text, read without evaluating it.

The seed writes `str()` of a namedtuple, `Genotype(encoder=[['linear_relu'], ...],
predictor=[...])`, and reads it back with `eval`. This reader accepts only that shape:
a name, then `field=` lists of lists of quoted strings, separated by commas. A tiny
tokenizer and a recursive descent; anything else (a call, an attribute, a number) is a
`DSLError` with the column and a caret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nasiam_dsl.lang.ast import Pos
from nasiam_dsl.lang.errors import Diagnostic, DSLError

__all__ = ["SeedGenotype", "parse_seed_genotype"]

_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<name>[A-Za-z_][A-Za-z_0-9]*)
      | (?P<string>'[^'\\\n]*'|"[^"\\\n]*")
      | (?P<punct>[()\[\],=])
      | (?P<number>[0-9][0-9_.eE+-]*)
      | (?P<other>.)""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    line: int
    column: int

    @property
    def pos(self) -> Pos:
        return Pos(
            line=self.line,
            column=self.column,
            end_line=self.line,
            end_column=self.column + max(1, len(self.text)),
        )


@dataclass(frozen=True)
class Layer:
    """One layer of a field: its op names and where the layer starts."""

    ops: tuple[str, ...]
    op_tokens: tuple[Token, ...]
    pos: Pos


@dataclass(frozen=True)
class SeedGenotype:
    """A parsed seed genotype: its type name and each field's layers, in order."""

    name: str
    fields: dict[str, tuple[Layer, ...]]
    field_pos: dict[str, Pos]


def _tokens(text: str) -> list[Token]:
    out: list[Token] = []
    line, start = 1, 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        column = m.start() - start + 1
        if kind != "space":
            out.append(Token(kind, m.group(), line, column))
        newlines = m.group().count("\n")
        if newlines:
            line += newlines
            start = m.start() + m.group().rfind("\n") + 1
    out.append(Token("end", "", line, len(text) - start + 1))
    return out


_WHAT = {
    "number": "a number",
    "name": "a name",
    "string": "a string",
    "end": "the end of the text",
}


class _Reader:
    def __init__(self, text: str, filename: str) -> None:
        self.text = text
        self.filename = filename
        self.tokens = _tokens(text)
        self.i = 0

    def fail(self, message: str, token: Token, hint: str | None = None) -> DSLError:
        return DSLError([Diagnostic(message, token.pos, hint=hint)], self.text, self.filename)

    def peek(self) -> Token:
        return self.tokens[self.i]

    def expect(self, kind: str, text: str | None = None, wanted: str = "") -> Token:
        token = self.peek()
        if token.kind != kind or (text is not None and token.text != text):
            found = _WHAT.get(token.kind, f"'{token.text}'")
            if token.kind in ("punct", "other"):
                found = f"'{token.text}'"
            hint = None
            if token.kind == "end":
                hint = "the text ends before its brackets close"
            elif token.kind == "punct" and token.text in ")]" and kind == "end":
                hint = "unbalanced brackets: more closed than opened"
            elif token.kind == "name" and kind == "string":
                hint = f"op names are quoted: '{token.text}'"
            elif token.text == ".":
                hint = "attribute access is not part of a genotype"
            elif token.kind == "punct" and token.text == "(":
                hint = "calls are not part of a genotype: op names are quoted strings"
            raise self.fail(f"expected {wanted or repr(text)}, found {found}", token, hint)
        self.i += 1
        return token

    def genotype(self) -> SeedGenotype:
        name = self.expect("name", wanted="'Genotype('").text
        self.expect("punct", "(", "'(' after the genotype's name")
        fields: dict[str, tuple[Layer, ...]] = {}
        where: dict[str, Pos] = {}
        while self.peek().text != ")":
            field = self.expect("name", wanted="a field name such as 'encoder'")
            if field.text in fields:
                raise self.fail(f"field '{field.text}' is given twice", field)
            self.expect("punct", "=", "'=' after the field name")
            fields[field.text] = self.layers()
            where[field.text] = field.pos
            if self.peek().text != ")":
                self.expect("punct", ",", "',' or ')' after a field")
        self.expect("punct", ")", "')'")
        self.expect("end", wanted="the end of the text")
        return SeedGenotype(name, fields, where)

    def layers(self) -> tuple[Layer, ...]:
        self.expect("punct", "[", "'[' opening the list of layers")
        layers: list[Layer] = []
        while self.peek().text != "]":
            layers.append(self.layer())
            if self.peek().text != "]":
                self.expect("punct", ",", "',' or ']' after a layer")
        self.expect("punct", "]", "']' closing the list of layers")
        return tuple(layers)

    def layer(self) -> Layer:
        opening = self.expect("punct", "[", "'[' opening a layer's list of op names")
        ops: list[Token] = []
        while self.peek().text != "]":
            ops.append(self.expect("string", wanted="a quoted op name such as 'linear_relu'"))
            if self.peek().text != "]":
                self.expect("punct", ",", "',' or ']' after an op name")
        self.expect("punct", "]", "']' closing a layer")
        return Layer(tuple(t.text[1:-1] for t in ops), tuple(ops), opening.pos)


def parse_seed_genotype(text: str, filename: str = "<nasiam genotype>") -> SeedGenotype:
    """Read the seed's genotype text; raises `DSLError` (with a caret) if it is not one."""
    return _Reader(text, filename).genotype()
