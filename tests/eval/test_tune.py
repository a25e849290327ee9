"""Fitting the answering policy: the grid search picks what the collected outcomes support, ties go simple."""

from __future__ import annotations

from eval.gold import half_of, load_gold
from eval.tune import DEFAULT_GOLD, Candidate, outcome, search, shape_across, stop_across


def _row(answers: list[str], cands: list[Candidate], evidence: float = 1.0) -> dict[str, object]:
    return {"id": "x", "answers": answers, "type": "t", "keywords": True, "evidence": evidence, "candidates": cands}


def test_a_confident_right_span_is_answered_and_a_weak_one_abstains() -> None:
    rows = [
        _row(["16平方公里"], [Candidate(0, 10.0, 2.0, "16平方公里")]),
        _row([], [Candidate(0, 1.0, 3.0, "无关")]),  # margin -2: no answer
    ]
    o = outcome(rows, a=0.0, t=0.5, g=None)
    assert o.f1 == 1.0 and o.abstention == 1.0 and o.false_abstention == 0.0 and o.f1_all == 1.0
    assert outcome(rows, a=0.0, t=0.9999, g=None).false_abstention == 1.0


def test_the_rank_weight_moves_the_answer_to_a_better_ranked_passage() -> None:
    rows = [_row(["甲"], [Candidate(4, 5.0, 0.0, "乙"), Candidate(0, 4.5, 0.0, "甲")])]
    assert outcome(rows, a=0.0, t=0.5, g=None).f1 == 0.0
    assert outcome(rows, a=1.0, t=0.5, g=None).f1 == 1.0
    best, grid = search(rows)
    assert best.f1_all == 1.0 and best.rank_weight == 0.5  # the smallest weight that gets it right
    assert len(grid) > 100


def test_the_evidence_gate_abstains_on_weak_coverage() -> None:
    rows = [_row([], [Candidate(0, 9.0, 0.0, "错")], evidence=0.05)]
    assert outcome(rows, a=0.0, t=0.5, g=None).abstention == 0.0
    assert outcome(rows, a=0.0, t=0.5, g=0.1).abstention == 1.0


def test_the_seed_halves_are_fixed() -> None:
    items = load_gold(DEFAULT_GOLD)
    halves = [half_of(i.id) for i in items]
    assert halves.count("tuning") == 165 and halves.count("report") == 139
    assert half_of("seed-001") == half_of("seed-001")


def test_the_type_penalty_moves_a_number_question_to_a_span_with_a_numeral() -> None:
    rows = [_row(["16平方公里"], [Candidate(0, 6.0, 0.0, "大、人口多", untyped=True), Candidate(0, 5.0, 0.0, "16平方公里")])]
    assert outcome(rows, a=0.0, t=0.5, g=None).f1 == 0.0
    assert outcome(rows, a=0.0, t=0.5, g=None, p=2.0).f1 == 1.0


def test_the_penalty_across_two_sets_is_the_best_mean_and_keeps_the_rest_of_the_policy() -> None:
    # set one is helped by any penalty over 1; set two has a right answer without the asked-for shape
    helped = [_row(["16平方公里"], [Candidate(0, 6.0, 0.0, "大、人口多", untyped=True), Candidate(0, 4.5, 0.0, "16平方公里")])]
    hurt = [_row(["唐朝"], [Candidate(0, 6.0, 0.0, "唐朝", untyped=True), Candidate(0, 3.5, 0.0, "公元")]) for _ in range(2)]
    best = outcome(helped, a=0.0, t=0.5, g=None, p=5.0)
    chosen, scores = shape_across(best, [helped, hurt])
    assert chosen == (2.0, False)  # set one needs p > 1.5, set two p < 2.5 and no gate
    assert scores[(0.0, False)] == [0.0, 1.0] and scores[(2.0, False)] == [1.0, 1.0] and scores[(5.0, False)] == [1.0, 0.0]
    assert scores[(2.0, True)] == [1.0, 0.0]  # the gate withholds set two's right but misshapen answer
    assert shape_across(best, [helped])[0] == (2.0, False)  # ties go to no gate, then the smaller penalty


def test_the_misfit_gate_abstains_when_no_span_has_the_asked_for_shape() -> None:
    rows = [_row([], [Candidate(0, 6.0, 0.0, "辖区学校", untyped=True)]),
            _row(["7个"], [Candidate(0, 6.0, 0.0, "582千米", untyped=True), Candidate(0, 5.0, 0.0, "7个")])]
    without, gated = outcome(rows, a=0.0, t=0.5, g=None, p=2.0), outcome(rows, a=0.0, t=0.5, g=None, p=2.0, m=True)
    assert without.abstention == 0.0 and gated.abstention == 1.0
    assert without.f1 == gated.f1 == 1.0  # a span of the right shape is still answered
    best, _ = search(rows)
    assert best.misfit_gate and best.f1_all == 1.0


def test_a_span_from_a_passage_without_the_asked_year_is_never_answered() -> None:
    kept = [_row(["98.62%"], [Candidate(0, 6.0, 0.0, "87.55%", unsupported=True), Candidate(1, 5.0, 0.0, "98.62%")])]
    assert outcome(kept, a=0.0, t=0.5, g=None, p=2.0).false_abstention == 1.0  # a gate, not a penalty: no other span
    unanswerable = [_row([], [Candidate(0, 9.0, 0.0, "253名", unsupported=True)])]
    assert outcome(unanswerable, a=0.0, t=0.5, g=None).abstention == 1.0


def test_a_sure_first_window_stops_the_reading_and_the_stop_margin_is_chosen_without_loss() -> None:
    sure = _row(["甲"], [Candidate(0, 9.0, 0.0, "甲", window=0), Candidate(1, 8.0, 0.0, "乙", window=1)])
    # window 0 is fairly sure (margin 5) of a wrong span that window 1 outscores
    fooled = _row(["丙"], [Candidate(0, 5.0, 0.0, "丁", window=0), Candidate(1, 7.0, 0.0, "丙", window=1)])
    misshapen = _row(["戊"], [Candidate(0, 9.0, 0.0, "己", window=0, untyped=True), Candidate(1, 8.0, 0.0, "戊", window=1)])
    rows = [sure, fooled, misshapen]
    full = outcome(rows, 0.0, 0.5, None, p=3.0)
    assert full.f1_all == 1.0 and full.stopped == 0.0
    early = outcome(rows, 0.0, 0.5, None, p=3.0, s=6.0)
    assert early.f1_all == 1.0 and early.stopped == 1 / 3  # only the sure row; a misshapen best never stops
    assert outcome(rows, 0.0, 0.5, None, p=3.0, s=4.0).f1_all == 2 / 3  # margin 5 >= 4 stops the fooled row
    chosen, runs = stop_across(full, [rows])
    assert chosen == 6.0 and runs[6.0][0].stopped == 1 / 3  # 5 and below lose the fooled row
