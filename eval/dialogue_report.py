"""Render a DialogueReport: the console tables, report.json and report.md (tables and every miss with its rewrite),
in the format of the other gold-set reports."""

from __future__ import annotations

import json
from pathlib import Path

from eval.dialogues import DialogueReport, DialogueSystem, Group, TurnResult
from eval.report import _md_table, _short, format_table

HEADER = ["turns", "n", "ans", "EM", "F1", "right", "recognised", "alone EM", "alone F1", "alone right"]


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}"


def _row(label: str, g: Group) -> list[str]:
    return [label, str(g.n), str(g.answerable), _pct(g.em), _pct(g.f1), _pct(g.right), _pct(g.recognised),
            _pct(g.alone_em), _pct(g.alone_f1), _pct(g.alone_right)]


def tables(system: DialogueSystem) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) of the per-kind and per-style tables."""
    by_kind = [_row(k, g) for k, g in system.by("kind").items()] + [_row("all", system.overall)]
    follow = [t for t in system.turns if t.kind == "follow-up"]
    styles: dict[str, list[TurnResult]] = {}
    for t in follow:
        styles.setdefault(t.style, []).append(t)
    from eval.dialogues import group

    by_style = [_row(k, group(v)) for k, v in sorted(styles.items())]
    return [
        ("by turn kind", HEADER, by_kind),
        ("follow-ups by style", ["style", *HEADER[1:]], by_style),
    ]


def headline(system: DialogueSystem) -> str:
    """The three targets in one paragraph."""
    kinds = system.by("kind")
    first = kinds.get("first")
    follow = kinds.get("follow-up")
    switch = kinds.get("topic-switch")
    parts = [f"{system.name} (reader {system.reader}, retrieval {system.retrieval}):"]
    if follow:
        parts.append(
            f"follow-up accuracy {_pct(follow.right)} % of {follow.n} (F1 ≥ 0.8 or a right abstention; the same "
            f"questions asked alone: {_pct(follow.alone_right)} %), rewritten with the right subject "
            f"{_pct(follow.recognised)} %;"
        )
    if switch:
        parts.append(f"topic switches taken as new topics {_pct(switch.recognised)} % of {switch.n};")
    if first:
        parts.append(
            f"first turns EM/F1 {_pct(first.em)}/{_pct(first.f1)} vs the same questions alone "
            f"{_pct(first.alone_em)}/{_pct(first.alone_f1)}."
        )
    return " ".join(parts)


def _scope(report: DialogueReport) -> str:
    half = f", {report.half} half" if report.half else ""
    idx = report.index
    return (
        f"dialogues: {report.gold} ({report.dialogues} dialogues{half}, {report.turns} turns)  index: "
        f"{idx.get('documents', '?')} documents, {idx.get('chunks', '?')} chunks, encoder {idx.get('encoder', '?')}"
    )


def console_dialogue_summary(report: DialogueReport) -> str:
    """What `qa eval --dialogues` prints."""
    parts = [_scope(report), ""]
    for system in report.systems:
        parts += [headline(system), ""]
        for title, header, rows in tables(system):
            parts += [f"{system.name} {title} (percent)", format_table(header, rows), ""]
        misses = system.misses()
        parts.append(f"{system.name}: {len(misses)} misses (follow-ups not right, topic switches rewritten)")
        for t in misses[:15]:
            parts.append(f"  {t.dialogue}#{t.turn} {t.kind}/{t.style} {t.question} → understood as "
                         f"{t.understood_as or '(as it stands)'} → {_short(t.chat.predicted, 30)}; gold "
                         f"{_short(' / '.join(t.answers) or '(no answer)', 30)}")
        parts.append("")
    if report.outputs:
        parts.append("wrote " + ", ".join(report.outputs.values()))
    return "\n".join(parts).rstrip()


def render_dialogue_markdown(report: DialogueReport) -> str:
    lines = ["# Dialogue evaluation", "", _scope(report), ""]
    for system in report.systems:
        lines += [f"## {system.name}", "", headline(system), ""]
        for title, header, rows in tables(system):
            lines += [f"### {title} (percent)", "", _md_table(header, rows), ""]
        lines += [
            "Columns: `right` = F1 ≥ 0.8 or a right abstention; `recognised` = follow-ups rewritten naming the gold "
            "subject, topic switches taken as they stand; `alone` = the same question asked without the "
            "conversation.",
            "",
            "### Misses",
            "",
        ]
        rows = [
            [f"{t.dialogue}#{t.turn}", f"{t.kind}/{t.style}", t.question, t.understood_as or "(as it stands)",
             _short(t.chat.predicted, 40), " / ".join(t.answers) or "(no answer)", f"{t.chat.score:.2f}"]
            for t in system.misses()
        ]
        lines += [_md_table(["turn", "kind", "question", "understood as", "answer", "gold", "score"], rows)
                  if rows else "None.", ""]
    return "\n".join(lines)


def write_dialogue_reports(report: DialogueReport, out_dir: Path) -> dict[str, str]:
    """Write report.json and report.md under `out_dir`; records the paths in `report.outputs`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / "report.json", out_dir / "report.md"
    report.outputs = {"json": str(json_path), "md": str(md_path)}
    json_path.write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    md_path.write_text(render_dialogue_markdown(report), encoding="utf-8")
    return report.outputs
