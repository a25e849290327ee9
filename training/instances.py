"""Reading-comprehension paragraphs -> training windows with start/end labels (SQuAD 2.0 style).

Every answerable question gives one window of its gold paragraph that holds the whole answer (chosen at random
among such windows, fixed seed). Unanswerable windows, labelled with the first token (no answer), come from:

- `answer-removed`: the gold paragraph without every sentence that touches an answer (same topic and names,
  no answer: the hard kind), for about one question in `NEGATIVE_EVERY`;
- `other-paragraph`: another paragraph of the same article, else the most similar paragraph (by shared
  characters) of the same source, holding none of the answers, for about one question in `NEGATIVE_EVERY`;
- `answerless-window`: a window of the gold paragraph that does not hold the answer, with probability
  `WINDOW_NEGATIVE_RATE` when the paragraph has one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from embeddings.sentences import sentence_spans
from eval.datasets import Paragraph, QAExample, stable_hash
from qa.reader.neural.windows import make_windows, token_span

NEGATIVE_EVERY = 6
WINDOW_NEGATIVE_RATE = 0.1
MIN_REMOVED_CHARS = 40


@dataclass(frozen=True)
class Instance:
    """A question over a context; `span` is the gold (start, end) in `context`, None when it has no answer."""

    qid: str
    question: str
    context: str
    span: tuple[int, int] | None
    answers: tuple[str, ...]
    kind: str
    """"answerable", "answer-removed" or "other-paragraph"."""


def answer_removed(p: Paragraph, q: QAExample) -> str | None:
    """The paragraph without the sentences touching any answer span; None when too little is left or an answer
    still occurs."""
    kept = [p.context[s:e] for s, e in sentence_spans(p.context) if not any(s < b and a < e for a, b in q.spans)]
    context = "".join(kept)
    if len(context) < MIN_REMOVED_CHARS or any(a and a in context for a in q.answers):
        return None
    return context


class DistractorPool:
    """Finds another paragraph for a question: same article first, else the most similar of the same source."""

    def __init__(self, paragraphs: Sequence[Paragraph]) -> None:
        self.by_title: dict[tuple[str, str], list[Paragraph]] = defaultdict(list)
        self.by_source: dict[str, list[Paragraph]] = defaultdict(list)
        for p in paragraphs:
            self.by_title[(p.source, p.title)].append(p)
            self.by_source[p.source].append(p)
        self._chars: dict[str, Counter[str]] = {}

    def _profile(self, p: Paragraph) -> Counter[str]:
        prof = self._chars.get(p.pid)
        if prof is None:
            prof = Counter(p.context)
            self._chars[p.pid] = prof
        return prof

    def pick(self, p: Paragraph, q: QAExample) -> Paragraph | None:
        def usable(o: Paragraph) -> bool:
            return o.pid != p.pid and not any(a and a in o.context for a in q.answers)

        same = [o for o in self.by_title[(p.source, p.title)] if usable(o)]
        if same:
            return same[stable_hash("other:" + q.qid) % len(same)]
        pool = self.by_source[p.source]
        if len(pool) < 2:
            return None
        # Among a fixed sample of the source, the paragraph sharing the most question characters.
        qchars = set(q.question)
        start = stable_hash("pool:" + q.qid) % len(pool)
        sample = [pool[(start + i * 7919) % len(pool)] for i in range(min(64, len(pool)))]
        sample = [o for o in sample if usable(o)]
        if not sample:
            return None
        return max(sample, key=lambda o: sum(1 for c in qchars if c in self._profile(o)))


def build_instances(paragraphs: Sequence[Paragraph], *, negatives: bool = True) -> list[Instance]:
    """Answerable instances for every question plus the unanswerable kinds described above."""
    pool = DistractorPool(paragraphs) if negatives else None
    out: list[Instance] = []
    for p in paragraphs:
        for q in p.questions:
            out.append(Instance(q.qid, q.question, p.context, q.spans[0], tuple(q.answers), "answerable"))
            if pool is None:
                continue
            h = stable_hash("negative:" + q.qid)
            if h % NEGATIVE_EVERY == 0:
                removed = answer_removed(p, q)
                if removed is not None:
                    out.append(Instance(q.qid + "#removed", q.question, removed, None, tuple(q.answers), "answer-removed"))
            elif h % NEGATIVE_EVERY == 1:
                other = pool.pick(p, q)
                if other is not None:
                    out.append(Instance(q.qid + "#other", q.question, other.context, None, tuple(q.answers), "other-paragraph"))
    return out


@dataclass
class Features:
    """Training windows: ids (n, length) padded with `pad_id`, true lengths, start/end token labels, kinds."""

    input_ids: np.ndarray
    lengths: np.ndarray
    start: np.ndarray
    end: np.ndarray
    kind: np.ndarray

    def __len__(self) -> int:
        return int(self.input_ids.shape[0])

    def save(self, path: Any) -> None:
        np.savez_compressed(path, input_ids=self.input_ids, lengths=self.lengths, start=self.start, end=self.end, kind=self.kind)

    @classmethod
    def load(cls, path: Any) -> Features:
        with np.load(path, allow_pickle=False) as z:
            return cls(z["input_ids"], z["lengths"], z["start"], z["end"], z["kind"])


def featurize(
    tokenizer: Any, instances: Sequence[Instance], max_length: int, stride: int, seed: int, progress: bool = True
) -> Features:
    """One window per instance (see module doc), plus sampled answerless windows of answerable paragraphs."""
    from tqdm import tqdm

    rng = np.random.default_rng(seed)
    pad = tokenizer.pad_token_id or 0
    rows: list[np.ndarray] = []
    starts: list[int] = []
    ends: list[int] = []
    kinds: list[str] = []
    skipped = 0
    for inst in tqdm(instances, desc="windows", unit="q", disable=not progress, mininterval=2.0):
        w = make_windows(tokenizer, inst.question, [inst.context], max_length, stride)
        mask = w.attention_mask.astype(bool)
        if inst.span is None:
            r = int(rng.integers(len(w)))
            rows.append(w.input_ids[r][mask[r]])
            starts.append(0)
            ends.append(0)
            kinds.append(inst.kind)
            continue
        hits = [(r, ts) for r in range(len(w)) if (ts := token_span(w, r, *inst.span)) is not None]
        if not hits:
            skipped += 1
            continue
        r, (i, j) = hits[int(rng.integers(len(hits)))]
        rows.append(w.input_ids[r][mask[r]])
        starts.append(i)
        ends.append(j)
        kinds.append(inst.kind)
        hit_rows = {h[0] for h in hits}
        misses = [r for r in range(len(w)) if r not in hit_rows]
        if misses and rng.random() < WINDOW_NEGATIVE_RATE:
            r = misses[int(rng.integers(len(misses)))]
            rows.append(w.input_ids[r][mask[r]])
            starts.append(0)
            ends.append(0)
            kinds.append("answerless-window")
    length = max((len(r) for r in rows), default=1)
    ids = np.full((len(rows), length), pad, dtype=np.int32)
    for n, r in enumerate(rows):
        ids[n, : len(r)] = r
    if skipped and progress:
        print(f"windows: {skipped} answers longer than a window skipped", flush=True)
    return Features(
        ids, np.asarray([len(r) for r in rows], dtype=np.int32), np.asarray(starts, dtype=np.int32),
        np.asarray(ends, dtype=np.int32), np.asarray(kinds),
    )
