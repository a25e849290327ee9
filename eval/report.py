"""Render a Report: console table, report.json, report.md and report.png (drawn by `eval.chart`)."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from eval.metrics import best_threshold
from eval.results import ItemResult, Metrics, Report

Row = Sequence[str]
_COLUMNS: list[tuple[str, Callable[[Metrics], Any], str]] = [
    ("n", lambda m: m.n, "d"),
    ("ans", lambda m: m.answerable, "d"),
    ("unans", lambda m: m.unanswerable, "d"),
    ("EM", lambda m: m.em, "p"),
    ("F1", lambda m: m.f1, "p"),
    ("R@1", lambda m: m.recall_at_1, "p"),
    ("R@5", lambda m: m.recall_at_5, "p"),
    ("R@10", lambda m: m.recall_at_10, "p"),
    ("MRR@10", lambda m: m.mrr_at_10, "p"),
    ("Src@1", lambda m: m.source_at_1, "p"),
    ("Abst.acc", lambda m: m.abstention_accuracy, "p"),
    ("FalseAbst", lambda m: m.false_abstention_rate, "p"),
    ("p50 ms", lambda m: m.latency_p50_ms, "ms"),
    ("p95 ms", lambda m: m.latency_p95_ms, "ms"),
]


def display_width(text: str) -> int:
    """Terminal columns: wide and full-width characters (CJK) take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


def format_table(header: Row, rows: Sequence[Row]) -> str:
    """Plain-text table; the first column left-aligned, the others right-aligned, CJK width-aware."""
    widths = [max(display_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(row: Row) -> str:
        return "  ".join(_pad(str(c), w, i > 0) for i, (c, w) in enumerate(zip(row, widths, strict=True))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def _fmt(value: Any, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "p":
        return f"{100 * value:.1f}"
    if kind == "ms":
        return f"{value:.0f}"
    return str(value)


def metric_row(label: str, m: Metrics) -> list[str]:
    return [label, *(_fmt(get(m), kind) for _, get, kind in _COLUMNS)]


def metric_header(first: str) -> list[str]:
    return [first, *(name for name, _, _ in _COLUMNS)]


def _matrix(report: Report, groups: str) -> tuple[list[str], list[list[str]]]:
    """F1 (answerable) per group for every system; unanswerable groups show abstention accuracy."""
    names = sorted({g for s in report.systems for g in getattr(s, groups)})
    header = [groups.removeprefix("by_"), "n", *(s.name for s in report.systems)]
    rows = []
    for g in names:
        first = getattr(report.systems[0], groups).get(g)
        row = [g, str(first.n if first else 0)]
        for s in report.systems:
            m = getattr(s, groups).get(g)
            value = None if m is None else (m.f1 if m.answerable else m.abstention_accuracy)
            row.append(_fmt(value, "p"))
        rows.append(row)
    return header, rows


def _signature(system: Any) -> tuple[Any, ...]:
    return tuple((r.id, r.predicted, round(r.score, 6), tuple(r.retrieved), r.error) for r in system.items)


def identical_groups(report: Report) -> list[list[str]]:
    """Names of systems grouped by identical results (same answer, score and passages on every question), in
    report order; a group of one is a system unlike the others."""
    groups: dict[tuple[Any, ...], list[str]] = {}
    for s in report.systems:
        groups.setdefault(_signature(s), []).append(s.name)
    return list(groups.values())


def identical_note(report: Report) -> str | None:
    """One sentence naming systems whose results are identical, or None when all differ."""
    same = [g for g in identical_groups(report) if len(g) > 1]
    if not same:
        return None
    listed = "; ".join(" = ".join(g) for g in same)
    return (
        f"Identical results (same answer, score and passages on all {report.questions} questions): {listed}. "
        "Typically a model reader that could not load and fell back to the rule reader; the chart shows each "
        "group once."
    )


def bottom_line(report: Report) -> str:
    """The paragraph a reader needs: the product's EM/F1 and abstention, with the questions each covers, and its
    weakest question types."""
    product = report.systems[0]
    m = product.overall
    parts = [f"Bottom line: {product.name} (the product)"]
    if m.answerable:
        parts.append(
            f"answers {m.answerable} answerable questions with EM {_fmt(m.em, 'p')} and F1 {_fmt(m.f1, 'p')}"
            f" (abstaining wrongly on {_fmt(m.false_abstention_rate, 'p')} %)"
        )
    if m.unanswerable:
        parts.append(f"abstains on {_fmt(m.abstention_accuracy, 'p')} % of {m.unanswerable} unanswerable ones")
    text = parts[0] + " " + " and ".join(parts[1:]) + "."
    typed = [(k, v) for k, v in product.by_type.items() if v.answerable and v.f1 is not None and m.f1 is not None]
    weakest = sorted((kv for kv in typed if kv[1].f1 < m.f1), key=lambda kv: (kv[1].f1, -kv[1].answerable))[:3]
    if weakest:
        text += " Weakest types: " + ", ".join(f"{k} (F1 {_fmt(v.f1, 'p')}, {v.answerable} q)" for k, v in weakest) + "."
    elif len(typed) > 1:
        text += " No question type is below the overall F1."
    return text


def _short(text: str | None, limit: int = 60) -> str:
    if text is None:
        return "(abstained)"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def console_summary(report: Report) -> str:
    """What `qa eval` prints: the systems table and the product's breakdowns."""
    product = report.systems[0]
    parts = [
        f"gold: {report.gold} ({report.questions} questions)  index: {report.index.get('documents', '?')} documents, "
        f"{report.index.get('chunks', '?')} chunks, encoder {report.index.get('encoder', '?')}  top_k: {report.top_k}",
        "",
        bottom_line(report),
        "",
        "Systems (percent; EM/F1/recall/Src@1/FalseAbst over the `ans` answerable questions, Abst.acc over the "
        "`unans` unanswerable ones)",
        format_table(metric_header("system"), [metric_row(s.name, s.overall) for s in report.systems]),
        *([identical_note(report) or ""] if identical_note(report) else []),
        "",
        f"{product.name} by type",
        format_table(metric_header("type"), [metric_row(k, v) for k, v in product.by_type.items()]),
        "",
        f"{product.name} by style",
        format_table(metric_header("style"), [metric_row(k, v) for k, v in product.by_style.items()]),
        "",
        "F1 by type, every system (unanswerable: abstention accuracy)",
        format_table(*_matrix(report, "by_type")),
    ]
    errors = sum(1 for s in report.systems for r in s.items if r.error)
    if errors:
        parts += ["", f"warning: {errors} questions raised an error (see report.json items[].error)"]
    if report.gold_warnings:
        parts += ["", f"warning: {len(report.gold_warnings)} gold records do not match the index, e.g.:"]
        parts += [f"  {w}" for w in report.gold_warnings[:5]]
    if report.outputs:
        parts += ["", "wrote " + ", ".join(report.outputs.values())]
    return "\n".join(parts)


def _md_table(header: Row, rows: Sequence[Row]) -> str:
    def esc(c: str) -> str:
        return str(c).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(esc(h) for h in header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _miss_md(n: int, r: ItemResult) -> str:
    why = []
    if r.error:
        why.append(f"error: {r.error}")
    if r.answerable and r.hit_rank is None:
        why.append("retrieval miss (evidence not in top 10)")
    elif r.answerable and r.abstained:
        why.append(f"false abstention (evidence at rank {r.hit_rank})")
    elif r.answerable:
        why.append(f"wrong span (evidence at rank {r.hit_rank}, F1 {100 * r.f1:.0f})")
    else:
        why.append("answered an unanswerable question")
    gold = " / ".join(r.answers) if r.answers else "(unanswerable)"
    where = r.doc_id or r.source or "-"
    lines = [
        f"### {n}. `{r.id}` ({r.type}, {r.style}): {r.question}",
        "",
        f"- gold: {gold} — `{where}`",
        f"- predicted: {_short(r.predicted, 200)} (score {r.score:.3f})",
        f"- why: {'; '.join(why)}",
    ]
    if r.cited:
        lines.append(f"- cited: `{r.cited['doc_id']}` [{r.cited['start']}:{r.cited['end']}] {_short(r.cited['quote'], 200)}")
    if r.passage:
        label = "cited passage" if r.cited else "top passage"
        lines.append(f"- {label} (`{r.passage['chunk_id']}`): {_short(r.passage['text'], 300)}")
    if r.evidence:
        lines.append(f"- gold evidence: {r.evidence}")
    return "\n".join(lines)


def _md_curve(report: Report) -> list[str]:
    """report.md's abstention-curve section of the product."""
    product = report.systems[0]
    best = best_threshold(product.curve)
    return [
        "## Abstention curve (" + product.name + ")",
        "",
        "Moving the abstention threshold over every answer score (answers withheld at the configured threshold",
        "are included as candidates). Accuracy counts answers with F1 >= 0.5 and rightly abstained questions.",
        "",
        (
            f"Most accurate threshold: **{best.threshold:.3f}** (coverage {_fmt(best.coverage, 'p')}, "
            f"accuracy {_fmt(best.accuracy, 'p')}); configured: {report.abstain_threshold}."
            if best
            else ""
        ),
        "",
        _md_table(
            ["threshold", "coverage", "answered F1", "accuracy"],
            [
                [f"{p.threshold:.3f}", _fmt(p.coverage, "p"), _fmt(p.answered_f1, "p"), _fmt(p.accuracy, "p")]
                for p in _thin(product.curve, 12)
            ],
        ),
        "",
    ]


def render_markdown(report: Report, chart: str | None = None) -> str:
    """report.md: the tables, the chart and the worst misses."""
    product = report.systems[0]
    out = [
        "# Evaluation report",
        "",
        f"- gold: `{report.gold}` ({report.questions} questions)",
        f"- index: {report.index.get('documents', '?')} documents, {report.index.get('chunks', '?')} chunks, "
        f"encoder `{report.index.get('encoder', '?')}`, index type `{report.index.get('index_type', '?')}`",
        f"- questions asked with top_k={report.top_k}; abstain threshold {report.abstain_threshold}",
        f"- run {report.created}, {report.seconds:.1f} s",
        "",
        bottom_line(report),
        "",
        "EM, F1, recall, MRR and Src@1 are over the `ans` answerable questions of each row (an abstention scores",
        "0); Abst.acc is the share of the `unans` unanswerable questions abstained on, FalseAbst the share of the",
        "answerable ones abstained on. Percent.",
        "",
        "## Systems",
        "",
        _md_table(metric_header("system"), [metric_row(s.name, s.overall) for s in report.systems]),
        "",
        *([identical_note(report) or "", ""] if identical_note(report) else []),
        f"## {product.name} by type",
        "",
        _md_table(metric_header("type"), [metric_row(k, v) for k, v in product.by_type.items()]),
        "",
        f"## {product.name} by style",
        "",
        _md_table(metric_header("style"), [metric_row(k, v) for k, v in product.by_style.items()]),
        "",
        "## F1 by type, every system",
        "",
        _md_table(*_matrix(report, "by_type")),
        "",
        "## F1 by style, every system",
        "",
        _md_table(*_matrix(report, "by_style")),
        "",
    ]
    for s in report.systems[1:]:
        out += [f"<details><summary>{s.name} by type and style</summary>", ""]
        out += [_md_table(metric_header("type"), [metric_row(k, v) for k, v in s.by_type.items()]), ""]
        out += [_md_table(metric_header("style"), [metric_row(k, v) for k, v in s.by_style.items()]), ""]
        out += ["</details>", ""]
    if chart:
        out += ["## Charts", "", f"![F1 by type and abstention curve]({chart})", ""]
    out += _md_curve(report)
    out += [
        f"## {len(report.worst)} worst misses ({product.name})",
        "",
    ]
    out += [_miss_md(i, r) + "\n" for i, r in enumerate(report.worst, 1)]
    if report.gold_warnings:
        out += ["## Gold records that do not match the index", ""]
        out += [f"- {w}" for w in report.gold_warnings]
    return "\n".join(out).rstrip() + "\n"


def _thin(points: Sequence[Any], n: int) -> list[Any]:
    if len(points) <= n:
        return list(points)
    step = (len(points) - 1) / (n - 1)
    return [points[round(i * step)] for i in range(n)]


def write_reports(report: Report, out_dir: Path) -> dict[str, str]:
    """Write report.json, report.png and report.md under `out_dir`; records the paths in `report.outputs`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs: dict[str, str] = {}
    chart: str | None = None
    try:
        from eval.chart import render_chart

        outputs["png"] = str(render_chart(report, out_dir / "report.png"))
        chart = "report.png"
    except ImportError:  # matplotlib missing: the text reports still come out
        pass
    json_path = out_dir / "report.json"
    md_path = out_dir / "report.md"
    outputs["json"] = str(json_path)
    outputs["md"] = str(md_path)
    report.outputs = outputs
    json_path.write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    md_path.write_text(render_markdown(report, chart), encoding="utf-8")
    return outputs

