"""After training: validation with the paragraph given, no-answer calibration, the artefact and its manifest.

Validation reads every validation question against its gold paragraph with the product's own decoding
(`qa.reader.neural.reader.predict_spans`). For calibration every third validation question also gets an
unanswerable instance (alternately the answer-removed paragraph and another paragraph, as in training). The
confidence threshold is fitted on half A of the validation questions (sha1 of the question id, even) to
maximise SQuAD-2.0-style F1 (an answerable question scores its F1 when answered, 0 when abstaining; an
unanswerable one 1 when abstaining) and reported on half B, which it never saw.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from eval.datasets import SPLIT_SALT, VALIDATION_PERCENT, Paragraph, stable_hash
from training.instances import DistractorPool, answer_removed
from training.loop import TrainConfig

CALIBRATION_EVERY = 3


def validation_rows(qa: Any, paragraphs: Sequence[Paragraph], limit: int | None, progress: bool) -> list[dict[str, Any]]:
    """One row per instance: source, kind, answerable, prediction, EM, F1 and confidence."""
    from tqdm import tqdm

    from qa.answer_match import exact_match, f1_score
    from qa.reader.neural.reader import DecodeOptions, answer_bounds, confidence, predict_spans
    from qa.reader.question import analyse

    options = DecodeOptions()
    pool = DistractorPool(paragraphs)
    jobs: list[tuple[str, str, str, str, list[str], bool, str]] = []
    per_source: dict[str, int] = {}
    for p in paragraphs:
        for q in p.questions:
            if limit is not None and per_source.get(p.source, 0) >= limit:
                continue
            per_source[p.source] = per_source.get(p.source, 0) + 1
            jobs.append((q.qid, p.source, "answerable", q.question, q.answers, True, p.context))
            h = stable_hash("calibration:" + q.qid) % (2 * CALIBRATION_EVERY)
            if h == 0:
                removed = answer_removed(p, q)
                if removed:
                    jobs.append((q.qid, p.source, "answer-removed", q.question, q.answers, False, removed))
            elif h == CALIBRATION_EVERY:
                other = pool.pick(p, q)
                if other is not None:
                    jobs.append((q.qid, p.source, "other-paragraph", q.question, q.answers, False, other.context))
    rows: list[dict[str, Any]] = []
    for qid, source, kind, question, answers, answerable, context in tqdm(jobs, desc="validation", unit="q", disable=not progress, mininterval=2.0):
        spans = predict_spans(qa, question, [context], options)
        if spans:
            best = spans[0]
            s, e = answer_bounds(analyse(question), context, best.start, best.end)
            pred, conf = context[s:e], confidence(best.margin)
        else:
            pred, conf = "", 0.0
        rows.append({
            "qid": qid, "source": source, "kind": kind, "answerable": answerable, "prediction": pred,
            "confidence": round(conf, 5), "em": exact_match(pred, answers) if answerable else 0.0,
            "f1": f1_score(pred, answers) if answerable else 0.0, "half": "A" if stable_hash(qid) % 2 == 0 else "B",
        })
    return rows


def paragraph_given(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """EM/F1 (percent) on answerable rows, overall and per source (the reader always answers here)."""
    def agg(sel: list[dict[str, Any]]) -> dict[str, Any]:
        return {"questions": len(sel), "em": round(100 * float(np.mean([r["em"] for r in sel])), 2) if sel else None,
                "f1": round(100 * float(np.mean([r["f1"] for r in sel])), 2) if sel else None}

    ans = [r for r in rows if r["answerable"]]
    out = {"all": agg(ans)}
    for source in sorted({r["source"] for r in ans}):
        out[source] = agg([r for r in ans if r["source"] == source])
    return out


def _squad2(rows: Sequence[dict[str, Any]], threshold: float) -> dict[str, Any]:
    answered = np.array([r["confidence"] >= threshold for r in rows], dtype=bool)
    answerable = np.array([r["answerable"] for r in rows], dtype=bool)
    f1 = np.array([r["f1"] for r in rows], dtype=float)
    score = np.where(answerable, np.where(answered, f1, 0.0), np.where(answered, 0.0, 1.0))
    un = ~answerable
    kinds = {}
    for kind in sorted({r["kind"] for r in rows if not r["answerable"]}):
        sel = np.array([r["kind"] == kind for r in rows], dtype=bool)
        kinds[kind] = round(100 * float((~answered[sel]).mean()), 2)
    return {
        "instances": len(rows), "unanswerable": int(un.sum()),
        "squad2_f1": round(100 * float(score.mean()), 2) if len(rows) else None,
        "abstention_accuracy": round(100 * float((~answered[un]).mean()), 2) if un.any() else None,
        "false_abstention": round(100 * float((~answered[answerable]).mean()), 2) if answerable.any() else None,
        "abstention_by_kind": kinds,
    }


def calibrate(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The threshold maximising SQuAD-2.0 F1 on half A, and what it gives on half B."""
    half_a = [r for r in rows if r["half"] == "A"]
    half_b = [r for r in rows if r["half"] == "B"]
    grid = sorted({0.0, *np.round(np.linspace(0.02, 0.98, 49), 2).tolist()})
    best = max(grid, key=lambda t: (_squad2(half_a, t)["squad2_f1"] or 0.0, -abs(t - 0.5)))
    return {"threshold": float(best), "policy": "sigmoid(span - no-answer) >= threshold", "fitted_on": "validation half A",
            "half_a": _squad2(half_a, best), "half_b": _squad2(half_b, best), "half_b_never_abstain": _squad2(half_b, 0.0)}


def finish(
    *, model: Any, tokenizer: Any, config: TrainConfig, summary: dict[str, Any], stats: dict[str, Any], kinds: dict[str, int],
    out: Path, artefact: Path, val_paras: Sequence[Paragraph], base_dir: Path, validation_limit: int | None, progress: bool,
    machine: dict[str, Any],
) -> dict[str, Any]:
    """Validate, calibrate, write the artefact and OUT/report.json; returns the manifest."""
    from embeddings.encoders.e5 import read_marker
    from qa.reader.neural.model import QA_MODEL_NAME, QAModel, save_artefact

    model.eval()
    qa = QAModel(QA_MODEL_NAME, tokenizer, model, {})
    started = time.perf_counter()
    rows = validation_rows(qa, val_paras, validation_limit, progress)
    given = paragraph_given(rows)
    calibration = calibrate(rows)
    marker = read_marker(base_dir) or {}
    manifest = {
        "name": QA_MODEL_NAME,
        "architecture": "BertForQuestionAnswering (start/end logits; no-answer = first token)",
        "base": {"model": marker.get("base_model"), "package": marker.get("source"), "source_sha256": marker.get("source_sha256")},
        "stored": "every parameter except bert.embeddings.word_embeddings (frozen in training, rebuilt from the wheel), fp16",
        "data": {"sources": stats, "split": {"salt": SPLIT_SALT, "validation_percent": VALIDATION_PERCENT, "unit": "article title"},
                 "windows": kinds, "never_trained_on": ["cmrc2018_trial", "eval/gold/seeds.jsonl"]},
        "hyperparameters": asdict(config),
        "decoding": {"max_length": 384, "stride": 128, "max_answer_tokens": 48},
        "training": {**{k: v for k, v in summary.items() if k != "loss_curve"}, "machine": machine,
                     "loss_curve_per_50_steps": [round(x, 4) for x in summary.get("loss_curve", [])]},
        "validation": {"paragraph_given": given, "seconds": round(time.perf_counter() - started, 1)},
        "calibration": calibration,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    size = save_artefact(model, artefact, manifest)
    (out / "validation.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    (out / "report.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if progress:
        cal = calibration["half_b"]
        print(
            f"validation, paragraph given: EM {given['all']['em']} F1 {given['all']['f1']} ({given['all']['questions']} q); "
            + ", ".join(f"{k} {v['em']}/{v['f1']}" for k, v in given.items() if k != "all")
            + f"\nno-answer threshold {calibration['threshold']} (fitted on half A); half B: SQuAD-2.0 F1 {cal['squad2_f1']}, "
            f"abstention {cal['abstention_accuracy']} % {cal['abstention_by_kind']}, false abstention {cal['false_abstention']} %"
            f"\nartefact: {artefact} ({size / 1e6:.1f} MB weights)", flush=True,
        )
    return manifest
