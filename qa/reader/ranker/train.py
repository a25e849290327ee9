"""Train the span ranker: `python -m qa.reader.ranker.train` (about 10 minutes on 2 CPU cores).

1. Load CMRC 2018 trial + DRCD dev/test (Traditional → Simplified), normalise, split by article (`data.py`).
2. For every training question, read its gold paragraph as the only passage: evidence sentences
   (`EvidenceScorer`), candidates and features (`features.py`), and each candidate's F1 against the gold answers
   (CMRC-style, `eval.metrics.f1_score`). Kept per question: the 20 best-F1 candidates and 40 random others.
3. Fit LightGBM LambdaRank (relevance = round(10·F1)), fixed seed, deterministic, 2 threads.
4. Validation (articles never trained on): the rule reader and the trained reader read the gold paragraph
   only, scored the same way (F1/EM per question type and per source).
   The validation questions are also read with synonym paraphrases (`paraphrase.py`), to measure how much the
   ranker relies on the question copying the paragraph's words.
5. No-answer calibration: an unanswerable instance for every fourth validation question (20% of the mix):
   either another paragraph of the same article (or of the same source for one-paragraph articles) that holds
   no gold answer, or the gold paragraph with every sentence holding the answer removed (same names and
   topic, no answer). A logistic model of P(the answer is right, F1 >= 0.5; never on an unanswerable
   instance) and its threshold (best SQuAD-2.0-style F1 over that mix, with the evidence gate the product
   applies; the confidence alone is fitted and reported too) are fitted on half of the validation articles
   and reported on the other.
6. Write `qa/reader/models/ranker-v1/` (model.npz + manifest.json: data, split, features, parameters,
   metrics, threshold, timings).

The seed gold set (`eval/gold/seeds.jsonl`) is never read.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from embeddings.settings import REPO_ROOT, get_settings
from qa.reader.ranker import candidates as cand_mod
from qa.reader.ranker import features as feat_mod
from qa.reader.ranker.data import (
    DEFAULT_SOURCES,
    SPLIT_SALT,
    VALIDATION_PERCENT,
    Paragraph,
    QAExample,
    by_split,
    load_corpus,
    stable_hash,
)
from qa.reader.ranker.features import FEATURE_NAMES, FEATURE_VERSION, WordVectors
from qa.reader.ranker.model import (
    ARTEFACT_NAME,
    CASCADE_KEEP,
    CASCADE_TREES,
    CONFIDENCE_FEATURES,
    DEFAULT_DIR,
    Confidence,
    RankerModel,
    TreeEnsemble,
    rule_reader_fingerprint,
)
from qa.reader.ranker.rc import ParagraphIdf, paragraph_passage

SEED = 20260101
KEEP_POSITIVE = 20
KEEP_NEGATIVE = 40
DISTRACTOR_EVERY = 4
MIN_REMOVED_CHARS = 40
LGB_PARAMS: dict[str, Any] = {
    "objective": "lambdarank",
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "max_depth": 8,
    "lambdarank_truncation_level": 10,
    "label_gain": [2 ** (0.3 * i) - 1 for i in range(11)],
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 2,
    "verbose": -1,
}
ROUNDS = 500


class Harness:
    """Shared pieces: IDF over all paragraph texts (unsupervised, like indexing the corpus), synonyms, vectors."""

    def __init__(self, paragraphs: Sequence[Paragraph], cache_dir: Path) -> None:
        from embeddings.encoders import load_encoder
        from embeddings.settings import BUILTIN_ENCODER
        from qa.reader.evidence import EvidenceScorer
        from qa.synonyms import load_codes

        self.idf = ParagraphIdf(p.context for p in paragraphs)
        self.scorer = EvidenceScorer(self.idf, load_codes(cache_dir))
        self.vectors = WordVectors(load_encoder(BUILTIN_ENCODER, cache_dir, backend="numpy"))


def paraphrased(paragraphs: Sequence[Paragraph], harness: Harness) -> list[Paragraph]:
    """Copies of `paragraphs` holding only the synonym paraphrases of their questions (`paraphrase.py`)."""
    from qa.reader.question import analyse
    from qa.reader.ranker.paraphrase import paraphrase, synonym_groups

    codes = harness.scorer.codes
    groups = synonym_groups(codes)

    def cosine(a: str, b: str) -> float:
        return float(harness.vectors.vector(a) @ harness.vectors.vector(b))

    out = []
    for p in paragraphs:
        copy = Paragraph(p.pid, p.title, p.context, p.source, p.split)
        for q in p.questions:
            text = paraphrase(q.question, analyse(q.question).keywords, codes, groups, cosine, q.qid)
            if text is not None:
                copy.questions.append(QAExample(q.qid + "#paraphrase", text, q.answers, q.spans, q.pid))
        if copy.questions:
            out.append(copy)
    return out


def featurize_training(paragraphs: Sequence[Paragraph], harness: Harness, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list[int], dict[str, float]]:
    """(X, relevance labels, group sizes, stats) over the training questions."""
    from qa.answer_match import f1_score
    from qa.reader.question import analyse
    from qa.reader.ranked import _OnceScorer, rule_hint

    xs, ys, groups = [], [], []
    n_q = n_cand = 0
    oracle = []
    questions = [(p, q) for p in paragraphs for q in p.questions]
    for p, q in tqdm(questions, desc="features (train)", unit="q", file=sys.stderr):
        analysis = analyse(q.question)
        if not analysis.keywords:
            continue
        passage, docs = paragraph_passage(p.pid, p.title, p.context)
        scorer = _OnceScorer(harness.scorer)
        passages = [passage]
        evidence = scorer.score(analysis, passages, docs)
        hint = rule_hint(scorer, analysis, passages, docs)
        qc = feat_mod.question_context(analysis, harness.idf, harness.vectors)
        c = feat_mod.extract(qc, evidence, docs, harness.vectors, rule=hint)
        if len(c.starts) == 0:
            continue
        f1 = np.array([f1_score(p.context[s:e], q.answers) for s, e in zip(c.starts, c.ends, strict=True)], np.float32)
        n_q += 1
        n_cand += len(f1)
        oracle.append(float(f1.max()))
        if f1.max() <= 0:
            continue  # nothing to rank towards
        pos = np.flatnonzero(f1 > 0)
        pos = pos[np.argsort(-f1[pos], kind="stable")[:KEEP_POSITIVE]]
        neg = np.flatnonzero(f1 == 0)
        if len(neg) > KEEP_NEGATIVE:
            neg = np.sort(rng.choice(neg, KEEP_NEGATIVE, replace=False))
        idx = np.concatenate([pos, neg])
        xs.append(c.X[idx])
        ys.append(np.rint(f1[idx] * 10).astype(np.int32))
        groups.append(len(idx))
    stats = {"questions": n_q, "groups": len(groups), "candidates_per_question": n_cand / max(n_q, 1),
             "oracle_f1": float(np.mean(oracle)) if oracle else 0.0}
    return np.vstack(xs), np.concatenate(ys), groups, stats


def train_ranker(X: np.ndarray, y: np.ndarray, groups: list[int], rounds: int = ROUNDS) -> TreeEnsemble:
    try:
        import lightgbm as lgb
    except ImportError as exc:  # pragma: no cover
        raise SystemExit("training needs LightGBM: .venv/bin/pip install lightgbm") from exc
    params = dict(LGB_PARAMS, seed=SEED, bagging_seed=SEED, feature_fraction_seed=SEED, data_random_seed=SEED)
    dataset = lgb.Dataset(X, y, group=groups, feature_name=[f"f{i}" for i in range(X.shape[1])], free_raw_data=True)
    bar = tqdm(total=rounds, desc="lambdarank", unit="tree", file=sys.stderr)

    def progress(_env: Any) -> None:
        bar.update(1)

    booster = lgb.train(params, dataset, num_boost_round=rounds, callbacks=[progress])
    bar.close()
    return TreeEnsemble.from_lightgbm(booster.dump_model())


def _answer_removed(p: Paragraph, answers: list[str], spans: list[tuple[int, int]]) -> Paragraph | None:
    """The paragraph without every sentence that overlaps a gold answer span: same topic, same names, no answer
    (the hard kind of unanswerable question). None when too little text is left or an answer still occurs."""
    from embeddings.sentences import sentence_spans

    kept = [p.context[s:e] for s, e in sentence_spans(p.context) if not any(s < b and a < e for a, b in spans)]
    context = "".join(kept)
    if len(context) < MIN_REMOVED_CHARS or any(a in context for a in answers if a):
        return None
    return Paragraph(p.pid + "#answer-removed", p.title, context, p.source, p.split)


def _distractor(p: Paragraph, by_title: dict[str, list[Paragraph]], by_source: dict[str, list[Paragraph]], answers: list[str], salt: str) -> Paragraph | None:
    """Another paragraph of the same article (else of the same source) holding none of the answers."""
    for pool in (by_title.get(p.title, []), by_source.get(p.source, [])):
        options = [o for o in pool if o.pid != p.pid and not any(a in o.context for a in answers)]
        if options:
            return options[stable_hash(salt) % len(options)]
    return None


def validate(paragraphs: Sequence[Paragraph], harness: Harness, model: RankerModel, *, distractors: bool = True,
             ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per-question outcomes of both readers on the gold paragraph, plus unanswerable instances (`distractors`)."""
    from qa.answer_match import exact_match, f1_score
    from qa.reader.question import analyse
    from qa.reader.ranked import RankedReader
    from qa.reader.rules import RuleReader

    rules = RuleReader(harness.scorer)
    trained = RankedReader(harness.scorer, model, harness.vectors)
    index = {name: i for i, name in enumerate(FEATURE_NAMES)}
    by_title: dict[str, list[Paragraph]] = defaultdict(list)
    by_source: dict[str, list[Paragraph]] = defaultdict(list)
    for p in paragraphs:
        by_title[p.title].append(p)
        by_source[p.source].append(p)
    rows: list[dict[str, Any]] = []
    unanswerable: list[dict[str, Any]] = []
    questions = [(p, q) for p in paragraphs for q in p.questions]
    rule_ms: list[float] = []
    trained_ms: list[float] = []
    for p, q in tqdm(questions, desc="validation", unit="q", file=sys.stderr):
        analysis = analyse(q.question)
        half = "A" if stable_hash("calibration:" + p.title) % 2 == 0 else "B"
        passage, docs = paragraph_passage(p.pid, p.title, p.context)
        t0 = time.perf_counter()
        r = rules.read(analysis, [passage], docs) if analysis.keywords else None
        rule_ms.append((time.perf_counter() - t0) * 1000)
        rule_pred = p.context[r.start : r.end] if r is not None else None
        t0 = time.perf_counter()
        ranking = trained.rank(analysis, [passage], docs) if analysis.keywords else None
        trained_ms.append((time.perf_counter() - t0) * 1000)
        pred, conf_x = None, None
        if ranking is not None:
            b = ranking.best
            pred = p.context[int(ranking.candidates.starts[b]) : int(ranking.candidates.ends[b])]
            conf_x = Confidence.inputs(ranking.scores, ranking.candidates.X[b], index).tolist()
        rows.append({
            "qid": q.qid, "source": p.source, "qtype": analysis.qtype, "half": half, "answers": q.answers,
            "rules": rule_pred, "rules_f1": f1_score(rule_pred, q.answers), "rules_em": exact_match(rule_pred, q.answers),
            "rules_score": r.score if r is not None else 0.0,
            "trained": pred, "trained_f1": f1_score(pred, q.answers), "trained_em": exact_match(pred, q.answers),
            "conf_x": conf_x,
        })
        if distractors and stable_hash("distractor:" + q.qid) % DISTRACTOR_EVERY == 0:
            kind = "answer_removed" if stable_hash("distractor-kind:" + q.qid) % 2 == 0 else "other_paragraph"
            if kind == "answer_removed":
                other = _answer_removed(p, q.answers, q.spans)
            else:
                other = _distractor(p, by_title, by_source, q.answers, q.qid)
            if other is not None and analysis.keywords:
                passage, docs = paragraph_passage(other.pid, other.title, other.context)
                ranking = trained.rank(analysis, [passage], docs)
                r = rules.read(analysis, [passage], docs)
                unanswerable.append({
                    "qid": q.qid, "half": half, "qtype": analysis.qtype, "kind": kind,
                    "conf_x": Confidence.inputs(ranking.scores, ranking.candidates.X[ranking.best], index).tolist()
                    if ranking is not None else None,
                    "rules_score": r.score if r is not None else 0.0,
                })
    timing = {"rules_ms_p50": float(np.percentile(rule_ms, 50)), "rules_ms_p95": float(np.percentile(rule_ms, 95)),
              "trained_ms_p50": float(np.percentile(trained_ms, 50)), "trained_ms_p95": float(np.percentile(trained_ms, 95))}
    rows.append({"timing": timing})
    return rows, unanswerable


def _answered(conf: np.ndarray, threshold: float, gate: np.ndarray | None = None) -> np.ndarray:
    """Which instances get an answer: confidence at the threshold, and through the evidence `gate` when given."""
    answered = conf >= threshold
    return answered & gate if gate is not None else answered


def _f1_all(conf: np.ndarray, f1: np.ndarray, answerable: np.ndarray, threshold: float,
            gate: np.ndarray | None = None) -> float:
    """SQuAD-2.0-style F1: answered answerable → its F1; abstained unanswerable → 1; else 0. `gate`: instances
    that may be answered at all (the evidence gate)."""
    answered = _answered(conf, threshold, gate)
    return float(np.mean(np.where(answerable, np.where(answered, f1, 0.0), (~answered).astype(float))))


POLICIES = ("confidence+evidence", "confidence")
"""No-answer policies, each fitted and reported: the learned confidence together with the evidence gate (abstain
also when the rule reader's keyword-coverage score is below its own abstention threshold; the product's policy,
`POLICIES[0]`), and the confidence alone for comparison."""


def calibrate(rows: list[dict[str, Any]], distractors: list[dict[str, Any]]) -> tuple[Confidence, dict[str, Any]]:
    """Fit the confidence model, the no-answer policy and its threshold on validation half A; report on half B."""
    from qa.reader.rules import RULES_ABSTAIN_THRESHOLD

    def mix(half: str) -> dict[str, np.ndarray]:
        xs, labels, f1s, answerable, evidence, kinds = [], [], [], [], [], []
        for r in rows:
            if r.get("half") == half and r["conf_x"] is not None:
                xs.append(r["conf_x"])
                labels.append(float(r["trained_f1"] >= 0.5))
                f1s.append(r["trained_f1"])
                answerable.append(True)
                evidence.append(r["rules_score"])
                kinds.append("answerable")
        for d in distractors:
            if d["half"] == half and d["conf_x"] is not None:
                xs.append(d["conf_x"])
                labels.append(0.0)
                f1s.append(0.0)
                answerable.append(False)
                evidence.append(d["rules_score"])
                kinds.append(d["kind"])
        return {"x": np.array(xs), "y": np.array(labels), "f1": np.array(f1s), "answerable": np.array(answerable),
                "gate": np.array(evidence) >= RULES_ABSTAIN_THRESHOLD, "kind": np.array(kinds)}

    ma, mb = mix("A"), mix("B")
    conf = Confidence.fit(ma["x"], ma["y"])
    for m in (ma, mb):
        m["conf"] = np.array([conf(x) for x in m["x"]])
    grid = np.round(np.arange(0.0, 0.951, 0.01), 2)

    def gate_of(m: dict[str, np.ndarray], policy: str) -> np.ndarray | None:
        return m["gate"] if policy == "confidence+evidence" else None

    fitted = {}
    for policy in POLICIES:
        scores = [_f1_all(ma["conf"], ma["f1"], ma["answerable"], t, gate_of(ma, policy)) for t in grid]
        fitted[policy] = (float(grid[int(np.argmax(scores))]), float(max(scores)))
    policy = POLICIES[0]
    threshold = fitted[policy][0]

    def report(m: dict[str, np.ndarray], policy: str) -> dict[str, Any]:
        t = fitted[policy][0]
        gate = gate_of(m, policy)
        answered = _answered(m["conf"], t, gate)
        a = m["answerable"]
        out: dict[str, Any] = {
            "threshold": t, "instances": int(len(a)), "unanswerable": int((~a).sum()),
            "f1_all": round(_f1_all(m["conf"], m["f1"], a, t, gate), 4),
            "f1_all_never_abstain": round(_f1_all(m["conf"], m["f1"], a, -1.0), 4),
            "abstention_accuracy": round(float((~answered[~a]).mean()) if (~a).any() else 0.0, 4),
            "false_abstention": round(float((~answered[a]).mean()), 4),
            "answerable_f1_with_abstention": round(float(np.where(answered[a], m["f1"][a], 0.0).mean()), 4),
        }
        for kind in sorted(set(m["kind"].tolist()) - {"answerable"}):
            sel = m["kind"] == kind
            out[f"abstention_accuracy_{kind}"] = round(float((~answered[sel]).mean()), 4)
        return out

    info = {
        "threshold": threshold,
        "policy": policy,
        "evidence_gate": RULES_ABSTAIN_THRESHOLD if policy == "confidence+evidence" else None,
        "objective": "max SQuAD-2.0-style F1 on validation half A (answerable + unanswerable instances), per policy",
        "evidence_gate_origin": "the rule reader's abstention threshold (chosen on the seed gold set when the rule "
                                "reader was built)",
        "distractor_share": "one unanswerable instance for every fourth question (~20% of the mix): half of them another "
                            "paragraph of the same article, half the gold paragraph with the answer's sentences removed",
        "features": CONFIDENCE_FEATURES,
        "half_A": report(ma, policy),
        "half_B": report(mb, policy),
        "policies_half_B": {k: report(mb, k) for k in POLICIES},
    }
    return conf, info


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """F1/EM of both readers overall, per question type and per source (percent, 1 decimal)."""
    qrows = [r for r in rows if "qid" in r]

    def agg(sel: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "n": len(sel),
            "rules_f1": round(100 * float(np.mean([r["rules_f1"] for r in sel])), 1),
            "rules_em": round(100 * float(np.mean([r["rules_em"] for r in sel])), 1),
            "trained_f1": round(100 * float(np.mean([r["trained_f1"] for r in sel])), 1),
            "trained_em": round(100 * float(np.mean([r["trained_em"] for r in sel])), 1),
        }

    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in qrows:
        by_type[r["qtype"]].append(r)
        by_source[r["source"]].append(r)
    return {
        "overall": agg(qrows),
        "by_type": {k: agg(v) for k, v in sorted(by_type.items())},
        "by_source": {k: agg(v) for k, v in sorted(by_source.items())},
    }


def _table(summary: dict[str, Any]) -> str:
    lines = ["| group | n | rules F1 | rules EM | trained F1 | trained EM |", "|---|---:|---:|---:|---:|---:|"]

    def line(name: str, m: dict[str, Any]) -> None:
        lines.append(f"| {name} | {m['n']} | {m['rules_f1']} | {m['rules_em']} | {m['trained_f1']} | {m['trained_em']} |")

    line("**all**", summary["overall"])
    for k, m in summary["by_source"].items():
        line(f"source {k}", m)
    for k, m in summary["by_type"].items():
        line(f"type {k}", m)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qa.reader.ranker.train", description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path, default=REPO_ROOT, help="paths of the sources are relative to this")
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR, help=f"artefact directory (default {DEFAULT_DIR})")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--limit", type=int, default=None, help="only the first N paragraphs per split (smoke test)")
    parser.add_argument(
        "--recalibrate", action="store_true",
        help="keep the trees of the artefact in --out; redo only validation and the no-answer calibration",
    )
    parser.add_argument("--paraphrase", action="store_true",
                        help="also train on synonym-paraphrased copies of the questions (measured: no gain on "
                             "validation, so off by default)")
    parser.add_argument("--dump", type=Path, default=None,
                        help="also write every validation instance (predictions, confidence inputs) to this JSON file")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    timings: dict[str, float] = {}
    settings = get_settings()

    t = time.perf_counter()
    paragraphs, source_stats = load_corpus(args.data_root)
    train = by_split(paragraphs, "train")
    val = by_split(paragraphs, "validation")
    if args.limit:
        train, val = train[: args.limit], val[: args.limit]
    harness = Harness(paragraphs, settings.model_cache_dir)
    timings["load_s"] = time.perf_counter() - t
    split_info = {
        "method": f"by article: sha1('{SPLIT_SALT}' + simplified title)[:8] as int % 100 < {VALIDATION_PERCENT} -> validation",
        "train": {"articles": len({p.title for p in train}), "paragraphs": len(train), "questions": sum(len(p.questions) for p in train)},
        "validation": {"articles": len({p.title for p in val}), "paragraphs": len(val), "questions": sum(len(p.questions) for p in val)},
    }
    print(f"train: {split_info['train']}  validation: {split_info['validation']}", file=sys.stderr)

    if args.recalibrate:
        previous = RankerModel.load(args.out, expected_features=FEATURE_NAMES)
        ensemble = previous.ensemble
        args.rounds = previous.manifest["model"]["rounds"]
        train_stats = {k: previous.manifest["candidates"][k] for k in ("questions", "groups", "candidates_per_question", "oracle_f1")}
        for key in ("features_train_s", "fit_s"):
            timings[key] = previous.manifest["timings_s"][key]
        timings["fit_reused_from"] = previous.manifest["created"]  # type: ignore[assignment]
    else:
        t = time.perf_counter()
        rng = np.random.default_rng(SEED)
        extra = paraphrased(train, harness) if args.paraphrase else []
        X, y, groups, train_stats = featurize_training(list(train) + extra, harness, rng)
        train_stats["paraphrased_questions"] = sum(len(p.questions) for p in extra)
        timings["features_train_s"] = time.perf_counter() - t
        print(f"training rows {X.shape}, {len(groups)} groups", file=sys.stderr)

        t = time.perf_counter()
        ensemble = train_ranker(X, y, groups, args.rounds)
        timings["fit_s"] = time.perf_counter() - t
        del X, y

    placeholder = Confidence(np.zeros(len(CONFIDENCE_FEATURES)), np.zeros(len(CONFIDENCE_FEATURES)), np.ones(len(CONFIDENCE_FEATURES)))
    model = RankerModel(list(FEATURE_NAMES), ensemble, placeholder)
    t = time.perf_counter()
    rows, distractors = validate(val, harness, model)
    timing = rows.pop()["timing"]
    para_rows, _ = validate(paraphrased(val, harness), harness, model, distractors=False)
    para_rows.pop()
    timings["validation_s"] = time.perf_counter() - t
    if args.dump is not None:
        args.dump.parent.mkdir(parents=True, exist_ok=True)
        args.dump.write_text(json.dumps({"rows": rows, "distractors": distractors, "paraphrased": para_rows}, ensure_ascii=False), encoding="utf-8")
    conf, calibration = calibrate(rows, distractors)
    model.confidence = conf
    summary = summarise(rows)
    summary_para = summarise(para_rows)
    timings["total_s"] = time.perf_counter() - started + (timings["features_train_s"] + timings["fit_s"] if args.recalibrate else 0.0)

    import lightgbm

    model.manifest = {
        "name": ARTEFACT_NAME,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m qa.reader.ranker.train",
        "feature_version": FEATURE_VERSION,
        "rule_reader_fingerprint": rule_reader_fingerprint(),
        "training_data": {
            "sources": [{"name": n, "path": rel, "opencc_t2s": trad, **source_stats.get(n, {})} for n, rel, trad in DEFAULT_SOURCES],
            "normalisation": "embeddings.normalize.normalize_text; answers located in the normalised paragraph",
            "seed_gold_set_used": False,
        },
        "split": split_info,
        "candidates": {
            "sentences_read": feat_mod.SENTENCES_READ, "max_ngram_chars": cand_mod.MAX_NGRAM_CHARS,
            "max_clause_run": cand_mod.MAX_CLAUSE_RUN, "train_keep_positive": KEEP_POSITIVE,
            "train_keep_negative": KEEP_NEGATIVE, **{k: round(v, 4) for k, v in train_stats.items()},
        },
        "model": {
            "type": "LightGBM lambdarank, evaluated in NumPy", "rounds": args.rounds, "seed": SEED,
            "params": {k: v for k, v in LGB_PARAMS.items() if k != "label_gain"},
            "label": "round(10 * F1 of the candidate against the gold answers)",
            "label_gain": "2^(0.3 i) - 1", "trees": ensemble.n_trees, "nodes": int(len(ensemble.feature)),
            "cascade": {"first_trees": CASCADE_TREES, "keep": CASCADE_KEEP},
        },
        "validation": {
            "setting": "reading comprehension: the gold paragraph is the only passage; both readers always answer",
            "metric": "CMRC-style F1/EM (eval.metrics), percent",
            **summary,
            "latency_ms": {k: round(v, 1) for k, v in timing.items()},
            "paraphrased_questions": {
                "setting": "the validation questions with a synonym paraphrase (qa/reader/ranker/paraphrase.py), "
                           "same paragraphs; measures reliance on copied wording",
                "overall": summary_para["overall"],
                "by_type": summary_para["by_type"],
            },
        },
        "calibration": calibration,
        "timings_s": {k: round(v, 1) if isinstance(v, float) else v for k, v in timings.items()},
        "environment": {"python": platform.python_version(), "lightgbm": lightgbm.__version__, "numpy": np.__version__,
                        "machine": platform.machine()},
    }
    out = model.save(args.out)
    size = sum(f.stat().st_size for f in out.iterdir())
    print(_table(summary))
    print("paraphrased validation questions:")
    print(_table(summary_para))
    print(f"no-answer policy: {calibration['policy']}, threshold {calibration['threshold']}")
    for name, rep in calibration["policies_half_B"].items():
        print(f"  half B, {name}: {json.dumps(rep)}")
    print(f"validation latency (reader only, ms): {json.dumps(model.manifest['validation']['latency_ms'])}")
    print(f"wrote {out} ({size / 1e6:.2f} MB) in {timings['total_s'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
