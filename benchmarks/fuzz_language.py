"""Fuzz the nasiam language: every input parses, or raises a `DSLError` that points inside it.

Inputs come from three generators and a list of special cases:

- grammar-aware: random documents from the hypothesis strategies of
  `tests/lang/strategies.py`, printed to text, then (mostly) mutated at the token level;
- byte-level: the shipped spaces (`spaces/**/*.nas`) with bytes and tokens flipped,
  inserted, deleted, duplicated and replaced (keywords, huge numbers, odd characters);
- splices: the head of one file glued to the tail of another;
- special inputs (`special_inputs()`): empty, only comments, BOM, CRLF, tabs, NUL, invalid
  UTF-8, a 10 MB file, 10,000-deep nesting, huge integers, unicode names, every keyword as a
  name in every position.

Each input goes through `parse` (text) or `parse_file` (bytes), then `check`, then, when it
parses, `format_text`, whose output must parse again to the same document (comments aside)
and be a fixed point. The oracle, for every input:

- it passes, or raises `DSLError` whose first diagnostic lies inside the input
  (1 <= line <= lines + 1, 1 <= column <= that line's length + 1) and renders; any other
  exception is a bug and is counted under `other`;
- inputs under 100 KB take at most 1 s each (parse + check + format).

Then large valid files (1, 2, 4, 8 MB) are parsed with no size limit and timed (µs per KB,
with and without Python's cyclic GC), and the default limit (4 MB) must refuse the larger
ones early.

    python benchmarks/fuzz_language.py --n 100000 [--seed S] [--sizes 1,2,4,8] [--no-specials]

Exit status 0 when every assertion holds; the table is printed either way.
"""

from __future__ import annotations

import argparse
import collections
import gc
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nasiam_dsl.lang import DSLError, ast, check, format_text, parse, parse_file  # noqa: E402
from nasiam_dsl.lang.parser import DEFAULT_MAX_BYTES  # noqa: E402

SMALL_INPUT = 100 * 1024
MAX_SECONDS_SMALL = 1.0
LINEAR_SLACK = 2.0  # µs/KB of the largest file may be at most this times that of the smallest

KEYWORDS = (
    "space",
    "genotype",
    "for",
    "meta",
    "let",
    "head",
    "choose",
    "pick",
    "of",
    "act",
    "norm",
    "width",
    "as",
    "constraint",
    "count",
    "per",
    "in",
    "true",
    "false",
    "sum",
    "mean",
    "concat",
    "params",
    "flops",
)

# ---- the corpus --------------------------------------------------------------------------


def shipped_spaces(root: Path = ROOT) -> list[tuple[str, bytes]]:
    """(name, bytes) of every shipped space and genotype."""
    return [
        (str(p.relative_to(root)), p.read_bytes()) for p in sorted((root / "spaces").rglob("*.nas"))
    ]


def grammar_documents(n: int, seed: int) -> list[str]:
    """`n` random documents from the hypothesis strategies, printed (syntax-valid text)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed

    from nasiam_dsl.lang import print_document
    from tests.lang.strategies import documents

    texts: list[str] = []
    if n <= 0:
        return texts

    @hseed(seed)
    @settings(
        max_examples=n,
        phases=[Phase.generate],
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(documents)
    def collect(doc: ast.Document) -> None:
        texts.append(print_document(doc))

    collect()
    return texts[:n]


# ---- mutation ------------------------------------------------------------------------------

TOKEN = re.compile(r'\s+|#[^\n]*|"(?:[^"\\\n]|\\.)*"|\w+|[<>=]=|[\s\S]', re.UNICODE)

REPLACEMENTS: tuple[str, ...] = (
    *KEYWORDS,
    "{",
    "}",
    "(",
    ")",
    ",",
    "=",
    "|",
    ":",
    "@",
    "<",
    ">",
    "<=",
    ">=",
    "==",
    ".",
    "-",
    "+",
    "*",
    "/",
    "\\",
    ";",
    '"',
    "'",
    "#",
    "$",
    "`",
    "~",
    "!",
    "?",
    "[",
    "]",
    "0",
    "1",
    "-1",
    "3",
    "2_048",
    "5k",
    "2M",
    "1G",
    "7x",
    "1__0",
    "0.5",
    "1e-3",
    "1e999",
    "1.",
    "9" * 30,
    "1" + "0" * 400,
    "1" + "0" * 5000,
    "@1" + "0" * 400,
    "@1e999",
    "@-0.5",
    "@nan",
    "relu",
    "gelu",
    "bn",
    "layernorm",
    "linear",
    "identity",
    "zero",
    "avgpool",
    "maxpool",
    "backbone",
    "projector",
    "predictor",
    "x",
    "h1",
    "acts",
    "dim",
    "bias",
    "affine",
    "frozen",
    "größe",
    "層",
    "α_1",
    "ﬁ",
    "é",
    "\u0301",
    "𝔵",
    "_",
    "__import__",
    "os",
    "system",
    "eval",
    "\ufeff",
    "\x00",
    "\r",
    "\r\n",
    "\t",
    "\x0c",
    "\x0b",
    "\u2028",
    "\u00a0",
    "\ud800",
    '"unterminated',
    '"a # b"',
    '"\\"',
    "# comment\n",
    "\n",
)
INTERESTING_BYTES = b'\x00\xff\xfe\xc3\xa9\xe2\x80\xef\xbb\xbf{}()",#\n\r\t@=|:0 9_aZ\x80'


class Mutator:
    """Seeded byte-, token- and file-level mutations."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    # bytes
    def mutate_bytes(self, data: bytes, rounds: int | None = None) -> bytes:
        rng = self.rng
        buf = bytearray(data)
        for _ in range(rounds or rng.randint(1, 4)):
            op = rng.randrange(6)
            i = rng.randint(0, len(buf))
            if op == 0 and buf:  # flip one bit
                j = min(i, len(buf) - 1)
                buf[j] ^= 1 << rng.randrange(8)
            elif op == 1:  # insert a random or interesting byte
                byte = rng.randrange(256) if rng.random() < 0.5 else rng.choice(INTERESTING_BYTES)
                buf[i:i] = bytes([byte])
            elif op == 2 and buf:  # delete a run
                del buf[i : i + rng.randint(1, 16)]
            elif op == 3 and buf:  # duplicate a run
                j = rng.randint(0, len(buf))
                buf[i:i] = buf[j : j + rng.randint(1, 64)]
            elif op == 4 and buf:  # overwrite with an interesting byte
                j = min(i, len(buf) - 1)
                buf[j] = rng.choice(INTERESTING_BYTES)
            else:  # insert a replacement token, encoded (lone surrogates become invalid UTF-8)
                word = rng.choice(REPLACEMENTS).encode("utf-8", "surrogatepass")
                buf[i:i] = word
        return bytes(buf)

    # tokens
    def mutate_tokens(self, text: str, rounds: int | None = None) -> str:
        rng = self.rng
        tokens = TOKEN.findall(text) or [""]
        for _ in range(rounds or rng.randint(1, 4)):
            i = rng.randrange(len(tokens))
            op = rng.randrange(6)
            if op == 0 and len(tokens) > 1:
                del tokens[i]
            elif op == 1:
                tokens.insert(i, tokens[rng.randrange(len(tokens))])
            elif op == 2:
                j = rng.randrange(len(tokens))
                tokens[i], tokens[j] = tokens[j], tokens[i]
            elif op == 3:
                tokens[i] = rng.choice(REPLACEMENTS)
            elif op == 4:
                tokens.insert(i, " " + rng.choice(REPLACEMENTS) + " ")
            else:  # duplicate a run of tokens
                j = rng.randrange(len(tokens))
                tokens[i:i] = tokens[j : j + rng.randint(1, 12)]
        return "".join(tokens)

    # files
    def splice(self, a: str, b: str) -> str:
        return a[: self.rng.randint(0, len(a))] + b[self.rng.randint(0, len(b)) :]


# ---- special inputs ------------------------------------------------------------------------


@dataclass(frozen=True)
class Special:
    """A named input and what it must do: `ok` (parses and checks), `parses` (check may
    refuse it), or `error:CODE:MESSAGE-PREFIX` (a DSLError)."""

    name: str
    data: str | bytes
    expect: str


def _demo_text() -> str:
    return (ROOT / "spaces" / "demo.nas").read_text("utf-8")


def _nested(depth: int) -> str:
    return "space s { head p(x: 8) { z = " + "choose(" * depth + "x" + ")" * depth + " } }"


def _one_node(expr: str, kind: str = "space") -> str:
    return f"{kind} s {{\n  head projector(x: 64) {{\n    z = {expr}\n  }}\n}}\n"


def big_space(nbytes: int) -> str:
    """A valid space of about `nbytes` bytes: one head, every node reading the previous one."""
    lines = [
        "space big for simsiam {\n  let acts = {relu, gelu}\n",
        "  head projector(x: backbone) {\n    n0 = linear(x, 64) | bn | relu\n",
    ]
    size, i = sum(map(len, lines)), 1
    while size < nbytes - 16:
        if i % 2:
            line = f"    n{i} = linear(n{i - 1}, width{{32, 64}}) | bn | act(acts)\n"
        else:
            line = f"    n{i} = choose(linear(n{i - 1}, 64) | bn, identity(n{i - 1}))\n"
        lines.append(line)
        size, i = size + len(line), i + 1
    lines.append("  }\n}\n")
    return "".join(lines)


# Every place the grammar reads a NAME, as a template whose `{}` takes the keyword.
NAME_SLOTS: dict[str, str] = {
    "document name": "space {} { head p(x: 8) { z = x } }",
    "framework": "space s for {} { head p(x: 8) { z = x } }",
    "meta key": "genotype g { meta { {} = 1 } head p(x: 8) { z = x } }",
    "let name": "space s { let {} = {relu} head p(x: 8) { z = x } }",
    "head name": "space s { head {}(x: 8) { z = x } }",
    "head input": "space s { head p({}: 8) { z = x } }",
    "head source": "space s { head p(x: {}) { z = x } }",
    "node name": "space s { head p(x: 8) { {} = x } }",
    "ref": "space s { head p(x: 8) { z = {} } }",
    "call-with-input op": "space s { head p(x: 8) { z = {}(x) } }",
    "stage op": "space s { head p(x: 8) { z = x | {} } }",
    "call input": "space s { head p(x: 8) { z = linear({}, 8) } }",
    "kwarg name": "space s { head p(x: 8) { z = linear(x, 8, {}=true) } }",
    "kwarg value": "space s { head p(x: 8) { z = linear(x, 8, bias={}) } }",
    "width name": "space s { head p(x: 8) { z = linear(x, {}) } }",
    "set term": "space s { head p(x: 8) { z = x | act{{}} } }",
    "set term kwarg": "space s { head p(x: 8) { z = x | norm{bn({}=false)} } }",
    "set ref": "space s { head p(x: 8) { z = x | act({}) } }",
    "label": "space s { head p(x: 8) { z = x | act{relu, gelu} as {} } }",
    "choose label": "space s { head p(x: 8) { z = choose(x, x) as {} } }",
    "combine input": "space s { head p(x: 8) { z = sum(x, {}) } }",
    "pick item": "space s { head p(x: 8) { z = sum(pick 1 of {x, {}}) } }",
    "count op": "space s { head p(x: 8) { z = x } constraint count({}) <= 1 }",
    "size target": "space s { head p(x: 8) { z = x } constraint params({}) <= 1 }",
    "scope head": "space s { head p(x: 8) { z = x } constraint params <= 1 in {} }",
}


def keyword_inputs() -> Iterator[tuple[str, str, str]]:
    """(keyword, slot, text) for every keyword in every NAME position."""
    for slot, template in NAME_SLOTS.items():
        for word in KEYWORDS:
            yield word, slot, template.replace("{}", word).replace("{{", "{").replace("}}", "}")


def special_inputs() -> list[Special]:
    demo = _demo_text()
    small = _one_node("linear(x, 32) | bn | relu")
    return [
        Special("empty file", "", "error:syntax:empty file"),
        Special("empty bytes", b"", "error:syntax:empty file"),
        Special("only comments", "# one\n# two\n\n", "error:syntax:empty file"),
        Special("only whitespace", " \t\r\n\x0c\n", "error:syntax:empty file"),
        Special("BOM text", "\ufeff" + demo, "ok"),
        Special("BOM bytes", b"\xef\xbb\xbf" + demo.encode(), "ok"),
        Special("BOM only", "\ufeff", "error:syntax:empty file"),
        Special("BOM twice", "\ufeff\ufeff" + demo, "error:syntax:unexpected character"),
        Special("CRLF", demo.replace("\n", "\r\n"), "ok"),
        Special("CRLF bytes", demo.replace("\n", "\r\n").encode(), "ok"),
        # a comment ends at "\r" or "\n"; positions count "\n" only, as lark does
        Special("lone CR line ends", demo.replace("\n", "\r"), "ok"),
        Special("lone CR line ends, no comment", small.replace("\n", "\r"), "ok"),
        Special("lone CR, then a syntax error", "space s {\r\r\r", "error:syntax:unexpected end"),
        Special("form feeds", demo.replace("\n\n", "\n\x0c\n"), "ok"),
        Special("U+2028 in a comment", "# a\u2028b\n" + demo, "ok"),
        Special("tabs", demo.replace("  ", "\t"), "ok"),
        Special("NUL byte", demo.replace("h1 =", "h1\x00="), "error:syntax:NUL byte"),
        Special("NUL bytes", b"\x00" * 64, "error:syntax:NUL byte"),
        Special(
            "invalid UTF-8",
            demo.encode().replace(b"relu", b"rel\xe9"),
            "error:io:file is not valid UTF-8",
        ),
        Special(
            "invalid UTF-8 after multibyte characters",
            "space größe { head p(x: 8) { z = x } }".encode() + b"\xff",
            "error:io:file is not valid UTF-8",
        ),
        Special("lone surrogate", small.replace("relu", "rel\ud800"), "error:syntax:unexpected"),
        Special("10 MB text", big_space(10 * 2**20), "error:size:file is"),
        Special("10 MB bytes", big_space(10 * 2**20).encode(), "error:size:file is"),
        Special("just over the limit", "#" * DEFAULT_MAX_BYTES + "\n", "error:size:file is"),
        Special("10,000-deep nesting", _nested(10_000), "error:size:brackets nest"),
        Special("10,000 open braces", "{" * 10_000, "error:size:brackets nest"),
        Special("10,000 close brackets", ")" * 10_000, "error:syntax:unexpected"),
        Special("nesting at the limit", _nested(98), "ok"),
        Special("width 10**400", _one_node("linear(x, 1" + "0" * 400 + ")"), "error:check:width"),
        Special(
            "width of 5,000 digits",
            _one_node("linear(x, 9" * 1 + "9" * 4999 + ")"),
            "error:syntax:number",
        ),
        Special(
            "input width 10**400",
            "space s { head p(x: 1" + "0" * 400 + ") { z = x } }",
            "error:check:input width",
        ),
        Special(
            "probability 10**400",
            _one_node("linear(x, 8) | act{relu @1" + "0" * 400 + "}", "genotype"),
            "error:",
        ),
        Special(
            "probability 1e999", _one_node("linear(x, 8) | act{relu @1e999}", "genotype"), "error:"
        ),
        Special(
            "meta number 1e999",
            "genotype g { meta { a = 1e999 } head p(x: 8) { z = x } }",
            "error:",
        ),
        Special(
            "bound 1e999", "space s { head p(x: 8) { z = x } constraint params <= 1e999 }", "error:"
        ),
        Special(
            "bound 10**400",
            "space s { head p(x: 8) { z = x } constraint params <= 1" + "0" * 400 + " }",
            "parses",
        ),
        Special("pick 10**400", _one_node("sum(pick 1" + "0" * 400 + " of {x})"), "error:check:"),
        Special(
            "unicode names", "space größe { head 層(α_1: 64) { ширина = identity(α_1) } }", "parses"
        ),
        # Python's \d: Arabic-Indic digits are a number (32), printed back in ASCII digits
        Special("unicode digits as a width", _one_node("linear(x, ٣٢)"), "ok"),
        Special("one 100 KB line", "# " + "x" * (100 * 1024) + "\n" + demo, "ok"),
        Special(
            "1,000 errors",
            _one_node(" | ".join(["linear(x, 8)"] + ["nope"] * 1000)),
            "error:check:unknown",
        ),
    ]


def meets(expect: str, outcome: Outcome) -> bool:
    """Whether an outcome is what a special input expects (see `Special`)."""
    if expect == "ok":
        return outcome.status == "ok"
    if expect == "parses":
        return outcome.status == "ok" or outcome.status.startswith("check:")
    _, code, prefix = [*expect.split(":", 2), "", ""][:3]
    kind, _, got = outcome.status.partition(":")
    if kind not in ("error", "check"):
        return False
    return (not code or got == code) and outcome.message.startswith(prefix)


# ---- the oracle ----------------------------------------------------------------------------


@dataclass
class Outcome:
    status: str  # "ok", "check:CODE" (parsed, check refused), "error:CODE" or "other:TYPE"
    seconds: float
    problem: str | None = None  # why the oracle failed, if it did
    message: str = ""


def _strip_comments(node):
    """The same AST without comments (the printer may move a comment, never drop meaning)."""
    if isinstance(node, tuple):
        return tuple(_strip_comments(x) for x in node)
    if not isinstance(node, ast.Node):
        return node
    update = {}
    for name in type(node).model_fields:
        if name == "comments":
            update[name] = ast.Comments()
        elif name == "closing":
            update[name] = ()
        elif name != "pos":
            update[name] = _strip_comments(getattr(node, name))
    return node.model_copy(update=update)


def position_problem(err: DSLError, text: str | None) -> str | None:
    """Why the first diagnostic's position is not inside the input, or None when it is."""
    d = err.first
    if d.pos is None:
        return None if d.code == "io" else f"no position: {d.message}"
    source = err.source if err.source is not None else text
    if source is None:
        return "no source to check the position against"
    lines = source.split("\n")
    line, col = d.pos.line, d.pos.column
    if not 1 <= line <= len(lines) + 1:
        return f"line {line} outside 1..{len(lines) + 1}: {d.message}"
    width = len(lines[line - 1]) if line <= len(lines) else 0
    if not 1 <= col <= width + 1:
        return f"column {col} outside 1..{width + 1} on line {line}: {d.message}"
    return None


def run_one(data: str | bytes, scratch: Path, backbone_dim: int | None = None) -> Outcome:
    """Parse (and check, and format) one input; classify it and apply the oracle."""
    started = time.perf_counter()
    text = data if isinstance(data, str) else None
    try:
        if isinstance(data, bytes):
            scratch.write_bytes(data)
            doc = parse_file(scratch)
            text = data.decode("utf-8")
        else:
            doc = parse(data, "<fuzz>")
        result = check(doc, backbone_dim=backbone_dim)
        problem = _format_problem(text, doc)
    except DSLError as err:
        seconds = time.perf_counter() - started
        problem = position_problem(err, text)
        try:
            str(err)
        except Exception as e:  # a diagnostic that cannot be rendered is a bug too
            problem = f"render: {type(e).__name__}: {e}"
        return Outcome(f"error:{err.first.code}", seconds, problem, err.first.message)
    except Exception as e:
        seconds = time.perf_counter() - started
        return Outcome(f"other:{type(e).__name__}", seconds, f"{type(e).__name__}: {e}"[:300])
    seconds = time.perf_counter() - started
    if result.errors:
        first = min(result.errors, key=_where)
        err = DSLError([first], text, "<fuzz>")
        problem = problem or position_problem(err, text)
        return Outcome(f"check:{first.code}", seconds, problem, first.message)
    return Outcome("ok", seconds, problem)


def _where(d) -> tuple[int, int]:
    return (d.pos.line, d.pos.column) if d.pos else (0, 0)


def _format_problem(text: str | None, doc: ast.Document) -> str | None:
    """`format_text` must work on what parses, re-parse to the same document, and be stable."""
    assert text is not None
    try:
        once = format_text(text, "<fuzz>")
        again = parse(once, "<formatted>", max_bytes=None)
        if _strip_comments(again) != _strip_comments(doc):
            return "format changes the document"
        if format_text(once, "<formatted>") != once:
            return "format is not a fixed point"
    except DSLError as err:
        return f"formatted text does not parse: {err.first.message}"
    except Exception as e:
        return f"format: {type(e).__name__}: {e}"[:300]
    return None


# ---- the fuzz loop -------------------------------------------------------------------------


@dataclass
class Tally:
    counts: collections.Counter = field(default_factory=collections.Counter)
    by_source: collections.Counter = field(default_factory=collections.Counter)
    failures: list[tuple[str, str, str | bytes]] = field(default_factory=list)  # source, why, in
    slowest: tuple[float, int, str] = (0.0, 0, "")  # (seconds, bytes, source)
    slow: list[tuple[float, int, str, str | bytes]] = field(default_factory=list)
    total: int = 0
    seconds: float = 0.0

    def add(self, source: str, data: str | bytes, outcome: Outcome) -> None:
        self.total += 1
        self.seconds += outcome.seconds
        self.counts[outcome.status] += 1
        self.by_source[source] += 1
        size = len(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)
        if outcome.seconds > self.slowest[0] and size < SMALL_INPUT:
            self.slowest = (outcome.seconds, size, source)
        if size < SMALL_INPUT and outcome.seconds > MAX_SECONDS_SMALL:
            self.slow.append((outcome.seconds, size, source, data))
        if outcome.problem:
            self.failures.append((source, outcome.problem, data))

    @property
    def others(self) -> int:
        return sum(n for status, n in self.counts.items() if status.startswith("other:"))


def generate(
    n: int, seed: int, corpus: list[tuple[str, bytes]] | None = None, grammar_share: float = 0.4
) -> Iterator[tuple[str, str | bytes]]:
    """`n` (source, input) pairs: grammar-derived, mutated shipped spaces, and splices."""
    corpus = corpus if corpus is not None else shipped_spaces()
    mut = Mutator(seed)
    rng = mut.rng
    n_grammar = int(n * grammar_share)
    docs = grammar_documents(max(1, n_grammar // 10), seed) if n_grammar else []
    gc.collect()  # hypothesis leaves millions of objects: collect them now, not mid-input
    texts = [b.decode("utf-8") for _, b in corpus] + docs
    for i in range(n):
        r = rng.random()
        if docs and i < n_grammar:
            doc = docs[i % len(docs)]
            if i < len(docs):
                yield "grammar", doc
            elif r < 0.8:
                yield "grammar+tokens", mut.mutate_tokens(doc)
            else:
                yield "grammar+bytes", mut.mutate_bytes(doc.encode())
        elif r < 0.45:
            yield "spaces+bytes", mut.mutate_bytes(rng.choice(corpus)[1])
        elif r < 0.85:
            yield "spaces+tokens", mut.mutate_tokens(rng.choice(corpus)[1].decode("utf-8"))
        else:
            spliced = mut.splice(rng.choice(texts), rng.choice(texts))
            yield "splice", mut.mutate_tokens(spliced, 1) if r < 0.9 else spliced


def fuzz(
    n: int,
    seed: int,
    *,
    specials: bool = True,
    progress: Callable[[int], None] | None = None,
    grammar_share: float = 0.4,
) -> Tally:
    """Run `n` generated inputs (plus the special ones) through the oracle."""
    tally = Tally()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / "fuzz.nas"
        if specials:
            for s in special_inputs():
                outcome = run_one(s.data, scratch)
                if not outcome.problem and not meets(s.expect, outcome):
                    outcome.problem = (
                        f"{s.name}: expected {s.expect}, got {outcome.status} "
                        f"{outcome.message[:80]!r}"
                    )
                tally.add("special", s.data, outcome)
            for _, _, text in keyword_inputs():
                tally.add("keywords", text, run_one(text, scratch))
        for i, (source, data) in enumerate(generate(n, seed, grammar_share=grammar_share)):
            tally.add(source, data, run_one(data, scratch, backbone_dim=512 if i % 2 else None))
            if progress and (i + 1) % 10_000 == 0:
                progress(i + 1)
    return tally


# ---- large files ---------------------------------------------------------------------------


@dataclass
class SizeRow:
    megabytes: float
    kib: int
    seconds: float
    seconds_no_gc: float
    refused_seconds: float | None  # time to refuse it under the default limit, if over it

    @property
    def us_per_kib(self) -> float:
        return self.seconds / self.kib * 1e6

    @property
    def us_per_kib_no_gc(self) -> float:
        return self.seconds_no_gc / self.kib * 1e6


def time_sizes(sizes_mb: list[float]) -> list[SizeRow]:
    rows = []
    for mb in sizes_mb:
        text = big_space(int(mb * 2**20))
        kib = len(text.encode()) // 1024
        t0 = time.perf_counter()
        doc = parse(text, max_bytes=None)
        seconds = time.perf_counter() - t0
        del doc
        gc.collect()
        gc.disable()
        try:
            t0 = time.perf_counter()
            doc = parse(text, max_bytes=None)
            no_gc = time.perf_counter() - t0
        finally:
            gc.enable()
        del doc
        gc.collect()
        refused = None
        if len(text.encode()) > DEFAULT_MAX_BYTES:
            t0 = time.perf_counter()
            try:
                parse(text)
            except DSLError as err:
                assert err.first.code == "size", err.first.message
                refused = time.perf_counter() - t0
            else:
                raise AssertionError(f"a {mb} MB file was not refused under the default limit")
        rows.append(SizeRow(mb, kib, seconds, no_gc, refused))
    return rows


# ---- the report ----------------------------------------------------------------------------


def report(tally: Tally, rows: list[SizeRow], wall: float) -> list[str]:
    """Print the tables; return the list of violated assertions."""
    out = print
    out(
        f"inputs fuzzed: {tally.total:,} in {wall:.0f} s "
        f"({tally.seconds / max(tally.total, 1) * 1e3:.2f} ms each on average)"
    )
    out("  by source: " + ", ".join(f"{k} {v:,}" for k, v in sorted(tally.by_source.items())))
    out("")
    out(f"{'outcome':<40}{'count':>10}")
    out("-" * 50)
    order = sorted(tally.counts, key=lambda s: (s.split(":")[0] != "ok", s))
    for status in order:
        label = {
            "ok": "ok (parses and checks)",
        }.get(
            status,
            status.replace("error:", "DSLError (parse) ")
            .replace("check:", "DSLError (check) ")
            .replace("other:", "OTHER EXCEPTION "),
        )
        out(f"{label:<40}{tally.counts[status]:>10,}")
    out("-" * 50)
    out(f"{'other exceptions (must be 0)':<40}{tally.others:>10,}")
    out(f"{'oracle failures (must be 0)':<40}{len(tally.failures):>10,}")
    secs, size, source = tally.slowest
    out(f"{'max time per input < 100 KB':<40}{secs * 1e3:>8.1f} ms  ({size:,} B, {source})")
    violations: list[str] = []
    if tally.failures:
        out("")
        out("failures (first 20, by kind):")
        kinds: dict[str, list[tuple[str, str, str | bytes]]] = {}
        for failure in tally.failures:
            kinds.setdefault(re.sub(r"\d+", "N", failure[1])[:60], []).append(failure)
        for failures in list(kinds.values())[:20]:
            source, why, data = failures[0]
            out(f"  {len(failures):>6} x [{source}] {why[:200]}\n         e.g. {data[:160]!r}")
        violations.append(f"{len(tally.failures)} inputs broke the oracle")
    if tally.slow:
        out("")
        out(f"inputs under 100 KB over {MAX_SECONDS_SMALL:g} s (slowest 5):")
        for secs, size, source, data in sorted(tally.slow, key=lambda x: -x[0])[:5]:
            out(f"  {secs:7.2f} s  {size:,} B [{source}] e.g. {data[:120]!r}")
        violations.append(f"{len(tally.slow)} inputs under 100 KB took over {MAX_SECONDS_SMALL} s")
    if rows:
        out("")
        out(
            f"{'MB':>5}{'KiB':>8}{'parse s':>10}{'µs/KiB':>9}{'no-gc s':>10}{'µs/KiB':>9}"
            f"{'refused (4 MB limit)':>23}"
        )
        out("-" * 74)
        for r in rows:
            refused = "-" if r.refused_seconds is None else f"in {r.refused_seconds * 1e3:.0f} ms"
            out(
                f"{r.megabytes:>5g}{r.kib:>8,}{r.seconds:>10.2f}{r.us_per_kib:>9.0f}"
                f"{r.seconds_no_gc:>10.2f}{r.us_per_kib_no_gc:>9.0f}{refused:>23}"
            )
        first, last = rows[0], rows[-1]
        growth = last.us_per_kib_no_gc / first.us_per_kib_no_gc
        out(
            f"µs/KiB growth {first.megabytes:g} → {last.megabytes:g} MB: {growth:.2f}x without "
            f"GC, {last.us_per_kib / first.us_per_kib:.2f}x with it (linear: ~1x)"
        )
        if growth > LINEAR_SLACK:
            violations.append(f"parse time per KB grew {growth:.1f}x from {first.megabytes} MB")
        for r in rows:
            if r.refused_seconds is not None and r.refused_seconds > MAX_SECONDS_SMALL:
                violations.append(f"{r.megabytes} MB took {r.refused_seconds:.1f} s to refuse")
    out("")
    out("PASS" if not violations else "FAIL: " + "; ".join(violations))
    return violations


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=10_000, help="generated inputs (specials extra)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sizes", default="1,2,4,8", help="MB of the large valid files ('' skips)")
    p.add_argument("--no-specials", action="store_true", help="skip the special inputs")
    args = p.parse_args(argv)
    started = time.perf_counter()

    def progress(i: int) -> None:
        print(f"  ... {i:,} inputs, {time.perf_counter() - started:.0f} s", file=sys.stderr)

    tally = fuzz(args.n, args.seed, specials=not args.no_specials, progress=progress)
    wall = time.perf_counter() - started
    sizes = [float(s) for s in args.sizes.split(",") if s.strip()]
    rows = time_sizes(sizes) if sizes else []
    return 1 if report(tally, rows, wall) else 0


if __name__ == "__main__":
    sys.exit(main())
