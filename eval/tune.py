"""Fit the neural reader's answering policy on the tuning half of a gold set (never on the report half).

    python -m eval.tune                       # seed gold set, tuning half, the configured index and reader
    python -m eval.tune --half report         # only to *look* at the chosen values' effect; never to choose
    python -m eval.tune --write               # also store the best policy in the reader artefact's manifest

The product's retriever and reader run once per question; every window's best span (with its no-answer score)
and the rule reader's evidence score are kept, then a grid is searched offline:

- `rank_weight` a: a span's score is lowered by a * ln(1 + rank of its passage) (retrieval enters the ranking);
- `threshold` t: abstain when sigmoid(span score - its window's no-answer score) < t;
- `max_windows` w: read only the first w windows (passage rank order); the smallest budget within
  SPEED_TOLERANCE of the best F1-all is chosen, since the reader's cost is linear in windows;
- `evidence` g: also abstain when the rule reader's keyword coverage of the best sentence is below g (or no gate);
- `type_penalty` p: a span without the asked-for shape (`qa.reader.answer_shape.unfit`) loses p (the best
  `TYPED_SPANS_PER_WINDOW` spans of each window are kept, as the reader does with a penalty);
- `misfit_gate` m: also abstain when the best span, after the penalty, still lacks that shape;
- `stop_margin` s: read only the first window when its best span beats its no-answer score by s and has the
  asked-for shape; the smallest s that loses no more than STOP_TOLERANCE of F1-all on any set is chosen
  (`stop_across`), since a question stopped early costs one window instead of `max_windows`.

With `--squad FILE` (CMRC 2018 train, say) the penalty and the misfit gate are chosen across two kinds of text:
the rest of the policy is fitted on the gold set as above, then (p, m) is the pair with the best mean of the two
sets' F1-all, the second set being the tuning half of FILE's validation articles (never trained on) read by open
retrieval over their paragraphs. Only (p, m) is chosen so: those questions are all answerable, so they would push
the abstention threshold down for a reason that says nothing about questions the articles cannot answer.

The objective is the mean over all questions of F1 (answerable, answered), 1 (unanswerable, abstained) or 0,
the same "F1 over all" the evaluation reports. Ties go to the simpler policy (no gate, smaller a, t near 0.5).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from eval.gold import HALVES, half_of, load_gold
from qa.answer_match import exact_match, f1_score
from qa.settings import REPO_ROOT, get_settings

DEFAULT_GOLD = REPO_ROOT / "eval" / "gold" / "seeds.jsonl"
RANK_WEIGHTS = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0)
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(1, 20))
GATES: tuple[float | None, ...] = (None, 0.1, 0.2, 0.3, 0.4)
WINDOW_BUDGETS: tuple[int | None, ...] = (2, 3, 4, 6, 8, None)
TYPE_PENALTIES = (0.0, 1.0, 2.0, 3.0, 5.0)
MISFIT_GATES = (False, True)
STOP_MARGINS: tuple[float | None, ...] = (None, 10.0, 8.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0)
STOP_TOLERANCE = 0.005
"""The smallest stop margin that loses at most this much F1-all on every set is chosen (less than one question
in 165): stopping after the first window saves a window's reading and should change no answer."""
SPEED_TOLERANCE = 0.015
"""The smallest window budget whose best F1-all is within this of the best without a budget is chosen: on the
165 questions of the tuning half 1.5 points of F1-all are two or three questions, well inside the sampling error
of the mean (about 3 points), while each window adds about 250 ms to every answer on two cores."""


@dataclass(frozen=True)
class Candidate:
    rank: int
    score: float
    null: float
    text: str
    window: int = 0
    untyped: bool = False
    unsupported: bool = False
    """Its passage lacks a year the question names: never answered."""


@dataclass(frozen=True)
class Outcome:
    rank_weight: float
    threshold: float
    evidence: float | None
    f1_all: float
    em: float
    f1: float
    abstention: float | None
    false_abstention: float
    n: int
    max_windows: int | None = None
    type_penalty: float = 0.0
    misfit_gate: bool = False
    stop_margin: float | None = None
    stopped: float = 0.0
    """The share of questions answered from the first window alone (see `stop_margin`)."""


def collect(pipe: Any, items: Sequence[Any], progress: bool = True) -> list[dict[str, Any]]:
    """Per question: the candidate spans of every retrieved passage and the rule reader's evidence score."""
    from tqdm import tqdm

    from qa.reader.answer_shape import unfit
    from qa.reader.constraints import lacks_year, named_years
    from qa.reader.neural.reader import TYPED_SPANS_PER_WINDOW, NeuralReader, locate, predict_spans
    from qa.reader.question import analyse

    reader = pipe.reader
    if not isinstance(reader, NeuralReader):
        raise SystemExit(f"the configured reader is {pipe.reader_name!r}, not the neural reader")
    rules = pipe.with_options(reader="rules").reader
    every_window = dataclasses.replace(reader.options, max_windows=None, per_window=TYPED_SPANS_PER_WINDOW)
    rows = []
    for item in tqdm(items, desc="collect", unit="q", disable=not progress):
        analysis = analyse(item.question)
        passages = pipe.retrieve(item.question, max(pipe.settings.top_k, pipe.settings.read_k))[: pipe.settings.read_k]
        spans = predict_spans(reader.qa, item.question, [p.text for p in passages], every_window)
        cands = []
        years = named_years(item.question)
        for s in spans:
            article, a, b = locate(s, passages, pipe.index.doc_by_id, analysis)
            text = article[a:b]
            unsupported = lacks_year(years, passages[s.passage].text)
            cands.append(Candidate(s.passage, s.score, s.null, text, s.window, unfit(analysis, article, a, b),
                                   unsupported))
        evidence = rules.read(analysis, passages, pipe.index.doc_by_id) if analysis.keywords else None
        rows.append({"id": item.id, "answers": list(item.answers), "type": item.type, "keywords": bool(analysis.keywords),
                     "evidence": evidence.score if evidence is not None else 0.0, "candidates": cands})
    return rows


def outcome(
    rows: Sequence[dict[str, Any]], a: float, t: float, g: float | None, w: int | None = None, p: float = 0.0,
    m: bool = False, s: float | None = None,
) -> Outcome:
    """The metrics of one policy over collected rows (`w`: only the spans of the first w windows; `s`: only the
    first window's when its best span's margin is at least s and it has the asked-for shape)."""
    total = em = f1 = 0.0
    n_ans = n_un = abst_un = abst_ans = stopped = 0

    def ranked(c: Candidate) -> float:
        return c.score - a * math.log1p(c.rank) - (p if c.untyped else 0.0)

    for row in rows:
        answer = None
        cands = [c for c in row["candidates"] if w is None or c.window < w]
        if s is not None:
            first = [c for c in cands if c.window == 0]
            if first and len(first) < len(cands):
                top = max(first, key=ranked)
                if top.score - top.null >= s and not top.untyped:
                    cands, stopped = first, stopped + 1
        if cands and row["keywords"]:
            best = max(cands, key=ranked)
            margin = best.score - best.null
            conf = 1.0 / (1.0 + math.exp(-margin)) if margin > -700 else 0.0
            if conf >= t and not best.unsupported and not (m and best.untyped) and (g is None or row["evidence"] >= g):
                answer = best.text
        if row["answers"]:
            n_ans += 1
            if answer is None:
                abst_ans += 1
            else:
                e, f = exact_match(answer, row["answers"]), f1_score(answer, row["answers"])
                em, f1, total = em + e, f1 + f, total + f
        else:
            n_un += 1
            if answer is None:
                abst_un += 1
                total += 1.0
    return Outcome(a, t, g, total / max(1, len(rows)), em / max(1, n_ans), f1 / max(1, n_ans),
                   abst_un / n_un if n_un else None, abst_ans / max(1, n_ans), len(rows), w, p, m, s,
                   stopped / max(1, len(rows)))


def best_per_budget(grid: Sequence[Outcome], budgets: Sequence[int | None]) -> dict[int | None, Outcome]:
    """The best policy of each window budget; ties go to no gate, a smaller rank weight, a threshold nearer 0.5."""
    return {
        w: max((o for o in grid if o.max_windows == w),
               key=lambda o: (round(o.f1_all, 6), o.evidence is None, not o.misfit_gate, -o.type_penalty,
                              -o.rank_weight, -abs(o.threshold - 0.5)))
        for w in budgets
    }


def search(rows: Sequence[dict[str, Any]], budgets: Sequence[int | None] = (None,)) -> tuple[Outcome, list[Outcome]]:
    """Every policy of the grid, and the best: the smallest window budget whose best F1-all is within
    SPEED_TOLERANCE of the best of any budget (see `best_per_budget` for ties within a budget)."""
    grid = [outcome(rows, a, t, g, w, p, m) for w in budgets for a in RANK_WEIGHTS for t in THRESHOLDS for g in GATES
            for p in TYPE_PENALTIES for m in MISFIT_GATES]
    bests = best_per_budget(grid, budgets)
    top = max(o.f1_all for o in bests.values())
    fast = [w for w, o in bests.items() if o.f1_all >= top - SPEED_TOLERANCE]
    return bests[min(fast, key=lambda w: math.inf if w is None else w)], grid


def squad_rows(squad: Path, out: Path, settings: Any, progress: bool = True) -> list[dict[str, Any]]:
    """Collected rows of the tuning half of a SQuAD-format file's validation articles, open retrieval over them."""
    from eval.runner import load_pipeline
    from eval.squad import convert_file, split_squad

    part = split_squad(squad, out / f"{squad.stem}-validation.json", "validation")
    conversion = convert_file(part, out)
    pipe = load_pipeline(settings.with_overrides(corpus=[conversion.corpus_path.parent], index_dir=out / "index"),
                         progress=progress)
    items = [i for i in load_gold(conversion.gold_path) if half_of(i.id) == "tuning"]
    return collect(pipe, items, progress)


Shape = tuple[float, bool]
"""A type penalty and whether the misfit gate is on."""


def shape_across(
    best: Outcome, sets: Sequence[Sequence[dict[str, Any]]]
) -> tuple[Shape, dict[Shape, list[float]]]:
    """The (type penalty, misfit gate) pair with the best mean F1-all over `sets`, the rest of `best`'s policy
    fixed; ties go to no gate, then the smaller penalty. Also every pair's F1-all per set."""
    pairs = [(p, m) for p in TYPE_PENALTIES for m in MISFIT_GATES]
    scores = {
        (p, m): [outcome(rows, best.rank_weight, best.threshold, best.evidence, best.max_windows, p, m).f1_all
                 for rows in sets]
        for p, m in pairs
    }
    chosen = max(pairs, key=lambda pm: (round(sum(scores[pm]) / len(sets), 6), not pm[1], -pm[0]))
    return chosen, scores


def stop_across(
    best: Outcome, sets: Sequence[Sequence[dict[str, Any]]]
) -> tuple[float | None, dict[float | None, list[Outcome]]]:
    """The smallest stop margin such that it and every larger one keep F1-all on every set within STOP_TOLERANCE
    of reading every window, the rest of `best`'s policy fixed (None when not even the largest does). Also every
    margin's outcome per set."""
    runs = {
        s: [outcome(rows, best.rank_weight, best.threshold, best.evidence, best.max_windows, best.type_penalty,
                    best.misfit_gate, s) for rows in sets]
        for s in STOP_MARGINS
    }
    chosen = None
    for s in sorted((s for s in STOP_MARGINS if s is not None), reverse=True):
        if any(o.f1_all < full.f1_all - STOP_TOLERANCE for o, full in zip(runs[s], runs[None], strict=True)):
            break
        chosen = s
    return chosen, runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.tune", description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    parser.add_argument("--half", choices=HALVES, default="tuning")
    parser.add_argument("--out", type=Path, default=Path("runs/tune"), help="writes OUT/tune-<half>.json")
    parser.add_argument("--index-dir", type=Path, default=None)
    parser.add_argument("--squad", type=Path, default=None, metavar="FILE",
                        help="also choose the type penalty on FILE's validation articles (tuning half, open retrieval)")
    parser.add_argument(
        "--write", action="store_true",
        help="store the best policy in the shipped reader artefact's manifest (tuning half only)",
    )
    args = parser.parse_args(argv)
    from eval.runner import load_pipeline

    settings = get_settings()
    if args.index_dir is not None:
        settings = settings.with_overrides(index_dir=args.index_dir)
    pipe = load_pipeline(settings)
    items = [i for i in load_gold(args.gold) if half_of(i.id) == args.half]
    rows = collect(pipe, items)
    best, grid = search(rows, WINDOW_BUDGETS)
    across: dict[Shape, list[float]] | None = None
    if args.squad is not None:
        other = squad_rows(args.squad, args.out / f"squad-{args.squad.stem}", settings)
        (penalty, gate), across = shape_across(best, [rows, other])
        best = outcome(rows, best.rank_weight, best.threshold, best.evidence, best.max_windows, penalty, gate)
    stop, stops = stop_across(best, [rows] if args.squad is None else [rows, other])
    best = stops[stop][0]  # the seed set's outcome at the chosen margin
    current = outcome(rows, pipe.reader.rank_weight, pipe.reader.abstain_threshold, pipe.evidence_threshold,
                      pipe.reader.options.max_windows, pipe.reader.policy.type_penalty, pipe.reader.policy.misfit_gate,
                      pipe.reader.policy.stop_margin)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"tune-{args.half}.json").write_text(
        json.dumps({"gold": str(args.gold), "half": args.half, "questions": len(items), "best": asdict(best),
                    "current": asdict(current), "squad": str(args.squad) if args.squad else None,
                    "shape_f1_all": None if across is None else {f"{p}/{m}": v for (p, m), v in across.items()},
                    "stop_margins": {str(s): [asdict(o) for o in runs] for s, runs in stops.items()},
                    "grid": [asdict(o) for o in grid]}, indent=1) + "\n", encoding="utf-8",
    )
    def line(name: str, o: Outcome) -> str:
        ab = "-" if o.abstention is None else f"{100 * o.abstention:.1f}"
        return (f"{name:<8} windows {o.max_windows!s:<4} rank_weight {o.rank_weight:<4} threshold {o.threshold:<5} "
                f"evidence {o.evidence!s:<5} type_penalty {o.type_penalty:<4} misfit_gate {o.misfit_gate!s:<5} "
                f"stop_margin {o.stop_margin!s:<4} "
                f"F1-all {100 * o.f1_all:.1f}  EM {100 * o.em:.1f}  F1 {100 * o.f1:.1f}  abstention {ab}  "
                f"false abstention {100 * o.false_abstention:.1f}  ({o.n} q)")

    print(f"{args.gold.name}, {args.half} half:")
    print(line("current", current))
    print(line("best", best))
    for w, o in best_per_budget(grid, WINDOW_BUDGETS).items():
        print(line(f"w={w}", o))
    if across is not None:
        print(f"type penalty / misfit gate, F1-all on {args.gold.name} {args.half} half / {args.squad.name} "
              "validation tuning half:")
        for (p, m), (mine, theirs) in across.items():
            print(f"  {p:<4} {m!s:<5} {100 * mine:.1f} / {100 * theirs:.1f}  mean {50 * (mine + theirs):.1f}")
    names = [f"{args.gold.name} {args.half} half"] + ([f"{args.squad.name} validation tuning half"] if args.squad else [])
    print("stop margin: F1-all and the share answered from the first window alone, on " + " / ".join(names) + ":")
    for s, runs in stops.items():
        cells = " / ".join(f"{100 * o.f1_all:.1f} ({100 * o.stopped:.0f} %)" for o in runs)
        print(f"  {s!s:<5} {cells}" + ("  <- chosen" if s == stop else ""))
    if args.write:
        if args.half != "tuning":
            raise SystemExit("--write stores a policy fitted on the tuning half only")
        from qa.reader.neural.model import DEFAULT_ARTEFACT, write_policy

        policy = {"threshold": best.threshold, "rank_weight": best.rank_weight, "evidence_threshold": best.evidence,
                  "max_windows": best.max_windows, "type_penalty": best.type_penalty, "misfit_gate": best.misfit_gate,
                  "stop_margin": best.stop_margin,
                  "fitted_on": f"{args.gold.name}, tuning half ({len(items)} questions), python -m eval.tune"
                  + (f"; type_penalty, misfit_gate and stop_margin also on {args.squad.name} validation articles, "
                     "tuning half"
                     if args.squad else ""),
                  "f1_all": round(best.f1_all, 4)}
        write_policy(DEFAULT_ARTEFACT, policy)
        print(f"policy written to {DEFAULT_ARTEFACT / 'manifest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
