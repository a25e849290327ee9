"""Features of candidate answer spans (one row per candidate), computed per sentence with NumPy.

The feature list is fixed and versioned (`FEATURE_VERSION`, `FEATURE_NAMES`); the artefact records both and
the reader refuses an artefact built for other features. Everything here is deterministic: no randomness,
no dependence on dictionary order, and float32 output.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from embeddings.tokenize import words
from qa.reader.question import QuestionAnalysis
from qa.reader.ranker.candidates import (
    CLAUSE,
    NGRAM,
    QUOTE,
    RULE,
    RUN,
    SENTENCE,
    TYPED,
    Token,
    as_arrays,
    clause_bounds,
    generate,
    tokens_of,
)

FEATURE_VERSION = 3

QTYPES = ["reason", "definition", "date", "duration", "number", "person", "organization", "place", "quote", "list",
          "method", "yesno", "entity"]
KINDS = ["number", "date", "duration", "person", "place", "organization", "quote"]
EXPECTED_KINDS = {
    "number": {"number"},
    "duration": {"duration", "number"},
    "date": {"date"},
    "person": {"person"},
    "place": {"place", "organization"},
    "organization": {"organization"},
    "quote": {"quote"},
    "entity": {"quote", "person", "place", "organization"},
}
POS_GROUPS = ["n", "nr", "ns", "nt", "nz", "v", "vn", "a", "d", "m", "q", "t", "p", "u", "c", "r", "f", "eng", "x",
              "other", "none"]
_POS_INDEX = {g: i for i, g in enumerate(POS_GROUPS)}
_POS_MAP = {
    "n": "n", "ng": "n", "nrt": "nr", "nr": "nr", "nrfg": "nr", "ns": "ns", "nt": "nt", "nz": "nz",
    "v": "v", "vd": "v", "vi": "v", "vg": "v", "vq": "v", "vn": "vn", "a": "a", "ad": "a", "an": "a", "ag": "a",
    "d": "d", "dg": "d", "m": "m", "mq": "m", "q": "q", "t": "t", "tg": "t", "p": "p",
    "u": "u", "uj": "u", "ul": "u", "uz": "u", "ud": "u", "ug": "u", "uv": "u", "c": "c", "r": "r", "rr": "r",
    "rz": "r", "f": "f", "eng": "eng", "x": "x", "w": "x",
}
_FUNC_CHARS = set("的了是在和与及或而也都就着把被对为于从")
_SENT_END = set("。！？!?；;…")
_PUNCT_CHARS = set("，,；;：:。！？!?…、“”‘’《》「」『』（）()【】〈〉—·-\"' \t\n")
_WH = re.compile(r"为什么|为何|怎么样|怎样|怎么|如何|什么|哪|谁|多少|几|何|多[大长高远久重宽深]|吗|呢")
_PLACE_END = re.compile(r"(?:省|自治区|市|县|区|镇|乡|村|街道|社区|州|国|岛|山|河|湖|江|海|洲|城|港|路|街)$")
_ORG_END = re.compile(r"(?:公司|集团|大学|学院|中学|小学|学校|医院|银行|政府|委员会|协会|组织|党|部|局|所|院|会|队|社|台|馆|厂|中心)$")
WH_KINDS = ["what", "which", "who", "howmany", "when", "where", "why", "how", "yesno", "none"]
_WH_KIND = [
    ("why", re.compile(r"为什么|为何|原因|何以")),
    ("when", re.compile(r"什么时候|何时|哪一?年|哪一?天|几月|几号|几日|什么时间|哪个时期|什么年代|哪个朝代")),
    ("where", re.compile(r"哪里|哪儿|何处|何地|什么地方|在哪")),
    ("who", re.compile(r"谁|哪位|什么人|哪个人|哪些人")),
    ("howmany", re.compile(r"多少|几|多[大长高远久重宽深]")),
    ("how", re.compile(r"怎么|怎样|如何")),
    ("which", re.compile(r"哪")),
    ("what", re.compile(r"什么|何")),
    ("yesno", re.compile(r"[吗嘛][？?]?$|是否|是不是|有没有")),
]
_REASON_START = re.compile(r"^(?:是)?(?:因为|由于|因|为了|出于|源于|鉴于)")
_REASON_INSIDE = re.compile(r"因为|由于|为了|所致|导致|原因")
_RESULT_NEXT = re.compile(r"^[，,]?(?:所以|因此|因而|从而|才|而|导致|使得|致使|以致|故)")
_DEFINITION_PREV = re.compile(r"(?:是指|指的是|即|就是|是|为|称为|叫做|叫|称作|意为|意思是)$")
_METHOD_START = re.compile(r"^(?:通过|采用|利用|采取|借助|依靠|凭借|用|以|靠)")
CAP = 30.0
WINDOW = 10


def _names() -> list[str]:
    names = [f"q_{t}" for t in QTYPES]
    names += [f"q_wh_{w}" for w in WH_KINDS]
    names += ["q_has_unit", "q_has_head", "q_len", "q_keywords", "q_wh_found", "q_wh_pos"]
    names += ["s_coverage", "s_rank", "s_cov_gap", "s_passage_rank", "s_len", "s_matches", "s_exact_kw"]
    names += ["c_len", "c_tokens", "c_len_rel", "c_pos_rel", "c_log_len"]
    names += ["o_ngram", "o_clause", "o_run", "o_sentence", "o_typed", "o_quote"]
    names += [f"k_{k}" for k in KINDS]
    names += ["k_expected", "k_expected_inside", "k_has_digit", "k_has_number", "k_has_date", "k_unit", "k_head_end",
              "k_quoted", "k_sent_end", "k_in_question"]
    names += ["m_qchar_frac", "m_kw_frac", "m_kw_inside", "m_left_dist", "m_right_dist", "m_left_w", "m_right_w",
              "m_clause_w", "m_any_left", "m_any_right"]
    names += ["a_left_lcs", "a_right_lcp", "a_left_fuzzy", "a_right_fuzzy", "a_order_ok", "a_order_bad",
              "a_left_kw", "a_right_kw"]
    names += ["b_clause_start", "b_clause_end", "b_prev_punct", "b_next_punct", "b_first_func", "b_last_func",
              "b_clauses"]
    for where in ("first", "last", "prev", "next"):
        names += [f"p_{where}_{g}" for g in POS_GROUPS]
    names += ["v_head", "v_question", "v_context", "v_head_max"]
    names += ["u_reason_start", "u_reason_inside", "u_result_next", "u_definition_prev", "u_method_start",
              "u_list_seps", "u_conjunctions"]
    names += ["o_rule", "r_available", "r_score", "r_overlap", "r_contains", "r_within", "r_same_sentence"]
    return names


FEATURE_NAMES: list[str] = _names()
N_FEATURES = len(FEATURE_NAMES)
_F = {name: i for i, name in enumerate(FEATURE_NAMES)}


# -- word vectors ------------------------------------------------------------------------------------------
class WordVectors:
    """Unit word vectors of the built-in encoder's vocabulary (`wenda-w2v-zh`), with a per-word cache."""

    def __init__(self, encoder: object | None) -> None:
        self.encoder = encoder
        self.dim = int(getattr(encoder, "embeddings", np.zeros((0, 1))).shape[1]) if encoder is not None else 1
        self._cache: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self._zero = np.zeros(self.dim, dtype=np.float32)

    def vector(self, word: str) -> np.ndarray:
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        vec = self._zero
        enc = self.encoder
        if enc is not None and word.strip() and not all(ch in _PUNCT_CHARS for ch in word):
            from embeddings.encoders.wordpiece import backoff_ids, lower_ascii

            key = lower_ascii(word.strip())
            idx = enc.word2idx.get(key)  # type: ignore[attr-defined]
            ids = [idx] if idx is not None else backoff_ids(key, enc.word2idx, 4)  # type: ignore[attr-defined]
            if ids:
                v = enc.embeddings[ids].astype(np.float64).mean(axis=0)  # type: ignore[attr-defined]
                norm = float(np.linalg.norm(v))
                if norm > 0:
                    vec = (v / norm).astype(np.float32)
        with self._lock:
            if len(self._cache) > 200_000:
                self._cache.clear()
            self._cache[word] = vec
        return vec

    def mean(self, ws: Sequence[str]) -> np.ndarray:
        vs = [self.vector(w) for w in ws]
        if not vs:
            return self._zero
        v = np.sum(vs, axis=0)
        n = float(np.linalg.norm(v))
        return (v / n).astype(np.float32) if n > 0 else self._zero


# -- the question ------------------------------------------------------------------------------------------
def _strip_punct(s: str) -> str:
    return s.strip("".join(_PUNCT_CHARS) + "？?")


@dataclass
class QuestionContext:
    """What every candidate of one question is compared against."""

    analysis: QuestionAnalysis
    text: str
    qchars: frozenset[str]
    left: str
    right: str
    right2: str
    wh_found: bool
    wh_pos: float
    keywords: list[str]
    weights: list[float]
    sides: list[int]
    """-1 keyword before the wh-word, +1 after, 0 unknown."""
    head_words: list[str]
    head_vecs: np.ndarray
    q_vec: np.ndarray
    qtype_index: int
    fixed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))


def question_context(analysis: QuestionAnalysis, idf, vectors: WordVectors) -> QuestionContext:  # noqa: ANN001
    q = analysis.text
    m = _WH.search(q)
    if m:
        left, rest = q[: m.start()], q[m.end() :]
        wh_pos = m.start() / max(len(q), 1)
    else:
        left, rest, wh_pos = q, "", 1.0
    left = _strip_punct(left)
    right = _strip_punct(rest)
    rest_words = [w for w in words(right) if w.strip()]
    right2 = _strip_punct(right[len(rest_words[0]) :]) if rest_words else ""
    wh_chars = set(m.group()) if m else set()
    qchars = frozenset(ch for ch in q if ch not in _PUNCT_CHARS and ch not in "？?" and ch not in wh_chars)
    keywords = list(analysis.keywords)
    weights = [float(idf(k)) for k in keywords]
    sides = []
    for k in keywords:
        pos = q.find(k)
        if pos < 0 or not m:
            sides.append(0)
        else:
            sides.append(-1 if pos < m.start() else 1)
    head_words: list[str] = []
    if analysis.head:
        head_words.append(analysis.head)
    for w in rest_words[:3]:
        if w in "一个些位种名家所座条只件项" or len(w) == 1 and not head_words:
            continue
        head_words.append(w)
        break
    if m and not head_words:
        before = [w for w in words(left) if w.strip()]
        if before:
            head_words.append(before[-1])
    head_vecs = np.stack([vectors.vector(w) for w in head_words]) if head_words else np.zeros((0, vectors.dim), np.float32)
    q_vec = vectors.mean([w for w in keywords])
    qtype_index = QTYPES.index(analysis.qtype) if analysis.qtype in QTYPES else QTYPES.index("entity")
    fixed = np.zeros(N_FEATURES, dtype=np.float32)
    fixed[_F[f"q_{QTYPES[qtype_index]}"]] = 1.0
    wh_kind = next((k for k, pat in _WH_KIND if pat.search(q)), "none")
    fixed[_F[f"q_wh_{wh_kind}"]] = 1.0
    fixed[_F["q_has_unit"]] = float(bool(analysis.unit))
    fixed[_F["q_has_head"]] = float(bool(analysis.head))
    fixed[_F["q_len"]] = len(q)
    fixed[_F["q_keywords"]] = len(keywords)
    fixed[_F["q_wh_found"]] = float(bool(m))
    fixed[_F["q_wh_pos"]] = wh_pos
    return QuestionContext(analysis, q, qchars, left, right, right2, bool(m), wh_pos, keywords, weights, sides,
                           head_words, head_vecs, q_vec, qtype_index, fixed)


# -- typed spans ---------------------------------------------------------------------------------------------
def typed_spans(text: str, start: int, end: int, tokens: list[Token]) -> list[tuple[int, int, str]]:
    """Typed candidates: the rule reader's regex extractors (numbers, dates, durations, quotes) and named
    entities from the POS tags of `tokens` (people, places, organisations)."""
    from qa.reader import spans

    out: list[tuple[int, int, str]] = []
    for kind in ("number", "date", "duration", "quote"):
        fn = spans.EXTRACTORS.get(kind)
        if fn is None:
            continue
        for sp in fn(text, start, end):
            out.append((sp.start, sp.end, kind))
    # Named entities from POS: runs of nr / ns / nt, and noun chains ending in a place/organisation suffix.
    i = 0
    n = len(tokens)
    while i < n:
        flag = tokens[i].flag
        kind = "person" if flag in ("nr", "nrfg", "nrt") else "place" if flag == "ns" else "organization" if flag == "nt" else None
        if kind is None:
            i += 1
            continue
        j = i + 1
        while j < n and tokens[j].flag == flag:
            j += 1
        if tokens[j - 1].end - tokens[i].start >= 2:
            out.append((tokens[i].start, tokens[j - 1].end, kind))
        i = j
    for k, t in enumerate(tokens):
        for suffix, kind in ((_PLACE_END, "place"), (_ORG_END, "organization")):
            if t.flag[:1] in ("n", "j") and suffix.search(t.word):
                j = k
                while j > 0 and tokens[j - 1].flag[:1] in ("n", "j") and not tokens[j - 1].punct and t.end - tokens[j - 1].start <= 16:
                    j -= 1
                if t.end - tokens[j].start >= 2:
                    out.append((tokens[j].start, t.end, kind))
    return out


# -- one sentence --------------------------------------------------------------------------------------------
@dataclass
class SentenceInput:
    """A sentence to read: `text[start:end]`, its evidence score and keyword matches (absolute offsets)."""

    start: int
    end: int
    coverage: float
    rank: int
    passage_rank: int
    best_coverage: float
    matches: list[tuple[int, int, float]]
    rule: tuple[int, int, int, int, float] | None = None
    """The rule reader's answer (start, end, sentence start, sentence end, score) when it is in this document."""
    rule_available: bool = False


def _lcs_left(st: str, left: str, cap: int = 10) -> np.ndarray:
    """For every position p: the longest k with st[p-k:p] == left[-k:]."""
    n = len(st)
    out = np.zeros(n + 1, dtype=np.float32)
    if not left:
        return out
    for p in range(1, n + 1):
        k = 0
        while k < cap and k < p and k < len(left) and st[p - 1 - k] == left[-1 - k]:
            k += 1
        out[p] = k
    return out


def _lcp_right(st: str, right: str, cap: int = 10) -> np.ndarray:
    """For every position p: the longest k with st[p:p+k] == right[:k]."""
    n = len(st)
    out = np.zeros(n + 1, dtype=np.float32)
    if not right:
        return out
    for p in range(n):
        k = 0
        while k < cap and p + k < n and k < len(right) and st[p + k] == right[k]:
            k += 1
        out[p] = k
    return out


def _fuzzy(st: str, probe: str, before: bool, width: int = 8) -> np.ndarray:
    """Share of the probe's characters found in the `width` characters before (or after) each position."""
    n = len(st)
    out = np.zeros(n + 1, dtype=np.float32)
    chars = set(probe[-6:] if before else probe[:6]) - _PUNCT_CHARS
    if not chars:
        return out
    for p in range(n + 1):
        window = st[max(0, p - width) : p] if before else st[p : p + width]
        out[p] = len(chars & set(window)) / len(chars)
    return out


def sentence_candidates(
    qc: QuestionContext, text: str, sent: SentenceInput, vectors: WordVectors
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(starts, ends, features[n, N_FEATURES]) of the candidates in one sentence (absolute offsets)."""
    s0, e0 = sent.start, sent.end
    st = text[s0:e0]
    n = len(st)
    tokens = tokens_of(text, s0, e0)
    typed = typed_spans(text, s0, e0, tokens)
    rule = sent.rule
    cands = generate(text, s0, e0, tokens, typed, (rule[0], rule[1]) if rule is not None else None)
    starts, ends, flags = as_arrays(cands)
    m = len(starts)
    X = np.zeros((m, N_FEATURES), dtype=np.float32)
    if m == 0:
        return starts, ends, X
    X[:] = qc.fixed
    rs, re_ = starts - s0, ends - s0
    length = (re_ - rs).astype(np.float32)

    # sentence
    total_w = sum(qc.weights) or 1.0
    X[:, _F["s_coverage"]] = sent.coverage
    X[:, _F["s_rank"]] = sent.rank
    X[:, _F["s_cov_gap"]] = sent.best_coverage - sent.coverage
    X[:, _F["s_passage_rank"]] = sent.passage_rank
    X[:, _F["s_len"]] = n
    X[:, _F["s_matches"]] = len(sent.matches)
    exact = []  # (a, b, weight, side) exact keyword occurrences, sentence-relative
    for kw, w, side in zip(qc.keywords, qc.weights, qc.sides, strict=True):
        pos = st.find(kw)
        while pos != -1:
            exact.append((pos, pos + len(kw), w / total_w, side))
            pos = st.find(kw, pos + 1)
    X[:, _F["s_exact_kw"]] = sum(w for kw, w in zip(qc.keywords, qc.weights, strict=True) if kw in st) / total_w

    # tokens
    ntok = len(tokens)
    tok_of = np.zeros(max(n, 1), dtype=np.int32)
    for i, t in enumerate(tokens):
        tok_of[t.start - s0 : t.end - s0] = i
    first_tok = tok_of[rs]
    last_tok = tok_of[re_ - 1]

    # candidate shape
    X[:, _F["c_len"]] = length
    X[:, _F["c_tokens"]] = last_tok - first_tok + 1
    X[:, _F["c_len_rel"]] = length / max(n, 1)
    X[:, _F["c_pos_rel"]] = rs / max(n, 1)
    X[:, _F["c_log_len"]] = np.log1p(length)
    for name, bit in (("o_ngram", NGRAM), ("o_clause", CLAUSE), ("o_run", RUN), ("o_sentence", SENTENCE),
                      ("o_typed", TYPED), ("o_quote", QUOTE), ("o_rule", RULE)):
        X[:, _F[name]] = (flags & bit) > 0

    # typed kinds
    kind_at: dict[tuple[int, int], set[str]] = {}
    for a, b, kind in typed:
        kind_at.setdefault((a, b), set()).add(kind)
    expected = EXPECTED_KINDS.get(QTYPES[qc.qtype_index], set())
    typed_rel = [(a - s0, b - s0, kind) for a, b, kind in typed]
    for c in range(m):
        kinds = kind_at.get((int(starts[c]), int(ends[c])))
        if kinds:
            for kind in kinds:
                X[c, _F[f"k_{kind}"]] = 1.0
            if kinds & expected:
                X[c, _F["k_expected"]] = 1.0
    for a, b, kind in typed_rel:
        inside = (rs <= a) & (b <= re_)
        if kind in expected:
            X[:, _F["k_expected_inside"]] = np.maximum(X[:, _F["k_expected_inside"]], inside)
        if kind == "number":
            X[:, _F["k_has_number"]] = np.maximum(X[:, _F["k_has_number"]], inside)
        elif kind == "date":
            X[:, _F["k_has_date"]] = np.maximum(X[:, _F["k_has_date"]], inside)
    digit = np.fromiter((ch.isdigit() for ch in st), dtype=np.float32, count=n)
    cdig = np.concatenate([[0.0], np.cumsum(digit)])
    X[:, _F["k_has_digit"]] = (cdig[re_] - cdig[rs]) > 0
    unit = qc.analysis.unit
    heads = [h for h in qc.head_words if h]
    for c in range(m):
        value = text[starts[c] : ends[c]]
        if unit and unit in value:
            X[c, _F["k_unit"]] = 1.0
        stripped = value.rstrip("”》」』）)")
        if any(stripped.endswith(h) for h in heads):
            X[c, _F["k_head_end"]] = 1.0
        if value in qc.text:
            X[c, _F["k_in_question"]] = 1.0
        X[c, _F["b_first_func"]] = value[0] in _FUNC_CHARS
        X[c, _F["b_last_func"]] = value[-1] in _FUNC_CHARS
        a, b = int(starts[c]), int(ends[c])
        X[c, _F["u_reason_start"]] = bool(_REASON_START.search(value))
        X[c, _F["u_reason_inside"]] = bool(_REASON_INSIDE.search(value))
        X[c, _F["u_result_next"]] = bool(_RESULT_NEXT.search(text[b : min(b + 4, e0)]))
        X[c, _F["u_definition_prev"]] = bool(_DEFINITION_PREV.search(text[max(a - 4, s0) : a]))
        X[c, _F["u_method_start"]] = bool(_METHOD_START.search(value))
        X[c, _F["u_list_seps"]] = value.count("、")
        X[c, _F["u_conjunctions"]] = sum(value.count(w) for w in ("和", "及", "与", "以及", "或"))
    X[:, _F["k_quoted"]] = np.fromiter((st[a] in "“《「『（" for a in rs), dtype=np.float32, count=m)
    X[:, _F["k_sent_end"]] = np.fromiter((st[b - 1] in _SENT_END for b in re_), dtype=np.float32, count=m)

    # question characters and keyword matches
    inq = np.fromiter((ch in qc.qchars for ch in st), dtype=np.float32, count=n)
    cq = np.concatenate([[0.0], np.cumsum(inq)])
    X[:, _F["m_qchar_frac"]] = (cq[re_] - cq[rs]) / np.maximum(length, 1)
    kwmask = np.zeros(n, dtype=np.float32)
    matches = [(a - s0, b - s0, w / total_w) for a, b, w in sent.matches if s0 <= a and b <= e0 and w > 0]
    for a, b, _ in matches:
        kwmask[a:b] = 1.0
    ckw = np.concatenate([[0.0], np.cumsum(kwmask)])
    X[:, _F["m_kw_frac"]] = (ckw[re_] - ckw[rs]) / np.maximum(length, 1)
    clauses = clause_bounds(text, tokens)
    clause_of = np.full(max(n, 1), -1, dtype=np.int32)
    for k, (_a, _b, cs, ce) in enumerate(clauses):
        clause_of[cs - s0 : ce - s0] = k
    c_first = clause_of[rs]
    c_last = clause_of[re_ - 1]
    X[:, _F["b_clauses"]] = np.where((c_first >= 0) & (c_last >= 0), c_last - c_first + 1, 1)
    left_dist = np.full(m, CAP, dtype=np.float32)
    right_dist = np.full(m, CAP, dtype=np.float32)
    inside_w = np.zeros(m, dtype=np.float32)
    left_w = np.zeros(m, dtype=np.float32)
    right_w = np.zeros(m, dtype=np.float32)
    clause_w = np.zeros(m, dtype=np.float32)
    any_left = np.zeros(m, dtype=np.float32)
    any_right = np.zeros(m, dtype=np.float32)
    for a, b, w in matches:
        inside = (rs <= a) & (b <= re_)
        before = b <= rs
        after = a >= re_
        inside_w += w * inside
        left_dist = np.where(before, np.minimum(left_dist, rs - b), left_dist)
        right_dist = np.where(after, np.minimum(right_dist, a - re_), right_dist)
        left_w += w * (before & (rs - b <= WINDOW))
        right_w += w * (after & (a - re_ <= WINDOW))
        k = clause_of[a] if a < n else -1
        clause_w += w * (~inside & (k >= c_first) & (k <= c_last))
        any_left = np.maximum(any_left, before)
        any_right = np.maximum(any_right, after)
    X[:, _F["m_kw_inside"]] = inside_w
    X[:, _F["m_left_dist"]] = left_dist
    X[:, _F["m_right_dist"]] = right_dist
    X[:, _F["m_left_w"]] = left_w
    X[:, _F["m_right_w"]] = right_w
    X[:, _F["m_clause_w"]] = clause_w
    X[:, _F["m_any_left"]] = any_left
    X[:, _F["m_any_right"]] = any_right

    # alignment with the question around the wh-word
    lcs = _lcs_left(st, qc.left)
    lcp = np.maximum(_lcp_right(st, qc.right), _lcp_right(st, qc.right2))
    X[:, _F["a_left_lcs"]] = lcs[rs]
    X[:, _F["a_right_lcp"]] = lcp[re_]
    X[:, _F["a_left_fuzzy"]] = _fuzzy(st, qc.left, True)[rs]
    X[:, _F["a_right_fuzzy"]] = _fuzzy(st, qc.right, False)[re_]
    ok = np.zeros(m, dtype=np.float32)
    bad = np.zeros(m, dtype=np.float32)
    lkw = np.zeros(m, dtype=np.float32)
    rkw = np.zeros(m, dtype=np.float32)
    for a, b, w, side in exact:
        before = b <= rs
        after = a >= re_
        if side < 0:
            ok += w * before
            bad += w * after
            lkw += w * (before & (rs - b <= WINDOW))
        elif side > 0:
            ok += w * after
            bad += w * before
            rkw += w * (after & (a - re_ <= WINDOW))
    X[:, _F["a_order_ok"]] = ok
    X[:, _F["a_order_bad"]] = bad
    X[:, _F["a_left_kw"]] = lkw
    X[:, _F["a_right_kw"]] = rkw

    # boundaries
    starts_of = {cs - s0 for _a, _b, cs, _ce in clauses}
    ends_of = {ce - s0 for _a, _b, _cs, ce in clauses}
    X[:, _F["b_clause_start"]] = np.fromiter((a in starts_of for a in rs), dtype=np.float32, count=m)
    X[:, _F["b_clause_end"]] = np.fromiter((b in ends_of or b == n for b in re_), dtype=np.float32, count=m)
    X[:, _F["b_prev_punct"]] = np.fromiter((a == 0 or st[a - 1] in _PUNCT_CHARS for a in rs), dtype=np.float32, count=m)
    X[:, _F["b_next_punct"]] = np.fromiter((b >= n or st[b] in _PUNCT_CHARS for b in re_), dtype=np.float32, count=m)

    # POS of the first, last, previous and next words
    groups = np.array([_POS_INDEX[_POS_MAP.get(t.flag, "x" if t.punct else "other")] for t in tokens] + [_POS_INDEX["none"]],
                      dtype=np.int32)
    none = len(groups) - 1
    rows = np.arange(m)
    prev_tok = np.where(first_tok > 0, first_tok - 1, none)
    next_tok = np.where(last_tok + 1 < ntok, last_tok + 1, none)
    for where, idx in (("first", first_tok), ("last", last_tok), ("prev", prev_tok), ("next", next_tok)):
        base = _F[f"p_{where}_{POS_GROUPS[0]}"]
        X[rows, base + groups[idx]] = 1.0

    # word vectors
    vecs = np.stack([vectors.vector(t.word) for t in tokens]) if tokens else np.zeros((0, vectors.dim), np.float32)
    cum = np.vstack([np.zeros((1, vectors.dim), np.float64), np.cumsum(vecs, axis=0, dtype=np.float64)])
    cvec = cum[last_tok + 1] - cum[first_tok]
    norms = np.linalg.norm(cvec, axis=1, keepdims=True)
    cvec = cvec / np.maximum(norms, 1e-9)
    if len(qc.head_vecs):
        sims = cvec @ qc.head_vecs.T.astype(np.float64)
        X[:, _F["v_head"]] = sims[:, 0]
        # best single word of the candidate against the head
        wsims = vecs @ qc.head_vecs[0] if len(vecs) else np.zeros(0)
        best = np.full(m, -1.0)
        for c in range(m):
            best[c] = wsims[first_tok[c] : last_tok[c] + 1].max()
        X[:, _F["v_head_max"]] = best
    X[:, _F["v_question"]] = cvec @ qc.q_vec.astype(np.float64)
    lo = np.maximum(first_tok - 3, 0)
    hi = np.minimum(last_tok + 4, ntok)
    ctx = (cum[first_tok] - cum[lo]) + (cum[hi] - cum[last_tok + 1])
    ctx = ctx / np.maximum(np.linalg.norm(ctx, axis=1, keepdims=True), 1e-9)
    X[:, _F["v_context"]] = ctx @ qc.q_vec.astype(np.float64)

    # agreement with the rule reader's answer
    X[:, _F["r_available"]] = float(sent.rule_available)
    if rule is not None:
        a, b, rs_, re__, score = rule
        X[:, _F["r_score"]] = score
        common = np.maximum(0, np.minimum(ends, b) - np.maximum(starts, a)).astype(np.float32)
        X[:, _F["r_overlap"]] = 2 * common / ((ends - starts) + (b - a))
        X[:, _F["r_contains"]] = (starts <= a) & (b <= ends)
        X[:, _F["r_within"]] = (a <= starts) & (ends <= b)
        X[:, _F["r_same_sentence"]] = float(rs_ == s0 and re__ == e0)
    return starts, ends, X


# -- one question over ranked passages ---------------------------------------------------------------------
SENTENCES_READ = 4
"""Sentences (best keyword coverage first) whose candidates are ranked."""


@dataclass
class Candidates:
    """All candidates of one question: absolute offsets into their documents and the feature matrix."""

    doc_ids: list[str]
    doc_index: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    sentence: np.ndarray
    """Index into `sentences` of each candidate."""
    sentences: list[tuple[int, int, int, object]]
    """(doc index, sentence start, sentence end, passage) per sentence read."""
    X: np.ndarray


@dataclass(frozen=True)
class RuleHint:
    """The rule reader's answer for the same question and passages."""

    doc_id: str
    start: int
    end: int
    sentence_start: int
    sentence_end: int
    score: float


def extract(qc: QuestionContext, evidence: Sequence[object], documents: dict, vectors: WordVectors,
            sentences_read: int = SENTENCES_READ, rule: RuleHint | None = None) -> Candidates:
    """Candidates and features from the best `sentences_read` evidence sentences (EvidenceScorer output), plus
    the sentence of the rule reader's answer when it is not among them."""
    chosen = list(evidence[:sentences_read])
    ranks = list(range(len(chosen)))
    if rule is not None and not any(
        ev.passage.doc_id == rule.doc_id and ev.start <= rule.start and rule.end <= ev.end for ev in chosen  # type: ignore[attr-defined]
    ):
        for k, ev in enumerate(evidence):
            if ev.passage.doc_id == rule.doc_id and ev.start <= rule.start and rule.end <= ev.end:  # type: ignore[attr-defined]
                chosen.append(ev)
                ranks.append(k)
                break
    best_cov = max((ev.coverage for ev in chosen), default=0.0)  # type: ignore[attr-defined]
    doc_ids: list[str] = []
    parts_s, parts_e, parts_x, parts_d, parts_k = [], [], [], [], []
    sentences = []
    for k, (ev, rank) in enumerate(zip(chosen, ranks, strict=True)):
        doc_id = ev.passage.doc_id  # type: ignore[attr-defined]
        if doc_id not in doc_ids:
            doc_ids.append(doc_id)
        d = doc_ids.index(doc_id)
        text = documents[doc_id].text
        hint = None
        if rule is not None and rule.doc_id == doc_id:
            hint = (rule.start, rule.end, rule.sentence_start, rule.sentence_end, rule.score)
        sent = SentenceInput(ev.start, ev.end, ev.coverage, rank, ev.rank, best_cov, list(ev.matches),  # type: ignore[attr-defined]
                             hint, rule is not None)
        s, e, X = sentence_candidates(qc, text, sent, vectors)
        sentences.append((d, ev.start, ev.end, ev.passage))  # type: ignore[attr-defined]
        parts_s.append(s)
        parts_e.append(e)
        parts_x.append(X)
        parts_d.append(np.full(len(s), d, dtype=np.int32))
        parts_k.append(np.full(len(s), k, dtype=np.int32))
    if not parts_s:
        empty = np.zeros(0, dtype=np.int32)
        return Candidates([], empty, empty, empty, empty, [], np.zeros((0, N_FEATURES), np.float32))
    return Candidates(doc_ids, np.concatenate(parts_d), np.concatenate(parts_s), np.concatenate(parts_e),
                      np.concatenate(parts_k), sentences, np.vstack(parts_x))
