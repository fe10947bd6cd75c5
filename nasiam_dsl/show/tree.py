"""A genotype (or space) as a rich tree: document → head → node = pipeline → choices.

Under each node, one leaf per choice: its key (relative to the node) and what the
genotype kept with its probability, or, for a space, its candidates (with their
probabilities when a run's are given). A genotype that carries its margins (a search's
`genotype.nas`) says at each choice whether it is decided and against which runner-up;
its `margin_*` meta entries are then not repeated under `meta`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.text import Text
from rich.tree import Tree

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.printer import format_pipeline, format_scalar
from nasiam_dsl.lang.walk import node_choices
from nasiam_dsl.membership.chosen import Chosen, candidate_names, chosen_candidates
from nasiam_dsl.search.genotype_margins import MARGIN_PREFIX, meta_verdicts

__all__ = ["document_tree"]

Probabilities = Mapping[str, Sequence[float]]


def _relative(key: str, head: str, node: str) -> str:
    prefix = f"{head}.{node}."
    return key[len(prefix) :] if key.startswith(prefix) else key


def _prob_text(p: float | None) -> Text:
    return Text("") if p is None else Text(f" {p:.2f}")


def _verdict(margin: str | None) -> Text:
    """`  undecided: 1.08x the runner-up hardswish 0.250` from a margin meta text (a
    genotype written before the ratio rule: `  undecided: +0.01 over hardswish 0.25`)."""
    if margin is None:
        return Text("")
    verdict = margin.rsplit(", ", 1)[-1]
    rival, _, lead = margin.partition(" vs ")[2].partition(": ")
    measure = lead.split(" the runner-up", 1)[0].split(" over ", 1)[0]
    relation = "the runner-up" if measure.endswith("x") else "over"
    detail = f": {measure} {relation} {rival}" if rival else ""
    return Text(f"  {verdict}{detail}", style="green" if verdict == "decided" else "bold yellow")


def document_tree(doc: ast.Document, *, probabilities: Probabilities | None = None) -> Tree:
    """The document as a `rich.tree.Tree` (print it with a rich console)."""
    title = Text(f"{doc.kind} ", style="bold")
    title.append(doc.name, style="bold cyan")
    if doc.framework:
        title.append(f" for {doc.framework}")
    tree = Tree(title)
    if doc.meta is not None and doc.meta.entries:
        meta = tree.add(Text("meta", style="dim"))
        for entry in doc.meta.entries:
            if entry.key.startswith(MARGIN_PREFIX):
                continue
            value = format_scalar(entry.value, string=isinstance(entry.value, str))
            meta.add(Text(f"{entry.key} = {value}", style="dim"))
    chosen = chosen_candidates(doc)
    names = candidate_names(doc)
    verdicts = meta_verdicts(doc)
    for head in doc.heads:
        branch = tree.add(Text(f"head {head.name}({head.input}: {head.source})", style="bold"))
        last = head.nodes[-1].name if head.nodes else None
        for node in head.nodes:
            label = Text(node.name, style="bold magenta")
            label.append(" = ")
            label.append(format_pipeline(node.expr, width=10**9))
            if node.name == last:
                label.append("  (output)", style="dim")
            leaf = branch.add(label)
            seen: set[str] = set()
            for site in node_choices(head, node):
                if site.key in seen:
                    continue
                seen.add(site.key)
                line = _choice_line(site.key, head.name, node.name, chosen, names, probabilities)
                leaf.add(line.append_text(_verdict(verdicts.get(site.key))))
    return tree


def _choice_line(
    key: str,
    head: str,
    node: str,
    chosen: Mapping[str, Chosen],
    names: Mapping[str, list[str]],
    probabilities: Probabilities | None,
) -> Text:
    line = Text(f"{_relative(key, head, node)}: ", style="cyan")
    kept = chosen.get(key)
    probs = probabilities.get(key) if probabilities else None
    if probs is not None:  # a run's probabilities: every candidate, best first
        cands = names.get(key) or []
        order = sorted(range(len(probs)), key=lambda i: -probs[i])
        for n, i in enumerate(order):
            if n:
                line.append(", ")
            line.append(cands[i] if i < len(cands) else f"#{i}")
            line.append_text(_prob_text(probs[i]))
        return line
    if kept is not None:
        for n, (name, p) in enumerate(zip(kept.names, kept.probs, strict=True)):
            if n:
                line.append(", ")
            line.append(name)
            line.append_text(_prob_text(p))
    return line
