"""Reproducible synthetic Chinese corpora made by recombining real sentences, and cheap exact featurisation.

Source text: the seed articles (`seeds/`, read with the project's own ingestion) and the CMRC 2018 trial
paragraphs, normalised like the index normalises them and split with the project's sentence splitter.
A synthetic corpus is a list of documents; each document has the title of a real article and is a run of
chunks of about `chunk_size` characters, each chunk a sequence of whole sentences (runs of consecutive
sentences of one real article, with occasional jumps to another). The same seed gives the same corpus.

Featurisation by composition. jieba cuts a text into blocks at every character outside
`[\u4e00-\u9fd5a-zA-Z0-9+#&._%-]` and segments each block on its own; every pooled sentence ends with a
character outside that class (one is appended when needed) and titles are joined with a space or a line
break, so the tokens of a chunk are exactly the concatenation of the tokens of its title and sentences.
The same holds for the built-in encoder (a weighted mean of word vectors over the same jieba tokens), whose
chunk vector is the normalised sum of its units' weighted vector sums. Sentences are therefore tokenised
and encoded once, and chunks of a million-chunk corpus are featurised by sums, giving the vectors and terms
the real code would give (`verify_composition` checks this on a sample against the real functions).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from embeddings.documents import Chunk, Document
from embeddings.normalize import normalize_text
from embeddings.sentences import sentence_spans

# Characters jieba keeps inside one block (jieba.re_han_default); a unit must not end with one.
_BLOCK_CHAR = re.compile(r"[\u4e00-\u9fd5a-zA-Z0-9+#&._%\-]")
MIN_SENTENCE_CHARS = 4


@dataclass
class SourceText:
    """Real articles as (title, sentence ids) over a pool of unique sentences."""

    sentences: list[str]
    titles: list[str]
    articles: list[tuple[int, np.ndarray]]
    """(title id, sentence ids in reading order) per real article or paragraph."""
    origin: dict[str, int] = field(default_factory=dict)
    """How many articles came from each source."""

    @property
    def chars(self) -> int:
        return sum(len(s) for s in self.sentences)


def _unit(text: str) -> str:
    """A sentence that ends outside jieba's block characters, so it tokenises on its own."""
    text = text.strip()
    return text + "。" if text and _BLOCK_CHAR.fullmatch(text[-1]) else text


def load_source_text(seeds: Path | None, cmrc: Path | None) -> SourceText:  # noqa: C901  (two optional sources, each with its own skip and dedup cases)
    """The sentence pool of the seed articles and the CMRC paragraphs (either may be None or missing)."""
    sentences: list[str] = []
    sentence_id: dict[str, int] = {}
    titles: list[str] = []
    title_id: dict[str, int] = {}
    articles: list[tuple[int, np.ndarray]] = []
    origin: dict[str, int] = {}

    def add(title: str, text: str, where: str) -> None:
        ids = []
        for s, e in sentence_spans(text):
            unit = _unit(text[s:e])
            if len(unit) < MIN_SENTENCE_CHARS:
                continue
            ids.append(sentence_id.setdefault(unit, len(sentence_id)))
            if ids[-1] == len(sentences):
                sentences.append(unit)
        if not ids:
            return
        title = " ".join(title.split()) or "无题"
        tid = title_id.setdefault(title, len(title_id))
        if tid == len(titles):
            titles.append(title)
        articles.append((tid, np.asarray(ids, dtype=np.int32)))
        origin[where] = origin.get(where, 0) + 1

    if seeds is not None and Path(seeds).exists():
        from embeddings.ingest import load_corpus

        for doc in load_corpus([Path(seeds)]).documents:
            add(doc.title, doc.text, "seeds")
    if cmrc is not None and Path(cmrc).is_file():
        data = json.loads(Path(cmrc).read_text(encoding="utf-8-sig"))
        for article in data.get("data", []):
            for para in article.get("paragraphs", []):
                add(str(article.get("title") or ""), normalize_text(str(para.get("context") or "")), "cmrc")
    if not sentences:
        raise ValueError(f"no source text found in {seeds} or {cmrc}")
    return SourceText(sentences, titles, articles, origin)


@dataclass
class SyntheticCorpus:
    """`n` chunks in documents; chunk i is title(doc) + sentences chunk_sents[indptr[i]:indptr[i+1]]."""

    source: SourceText
    seed: int
    doc_title: np.ndarray
    """Title id per document."""
    doc_indptr: np.ndarray
    """Chunks of document d: doc_indptr[d]:doc_indptr[d+1]."""
    chunk_indptr: np.ndarray
    chunk_sents: np.ndarray

    @property
    def n_chunks(self) -> int:
        return len(self.chunk_indptr) - 1

    @property
    def n_docs(self) -> int:
        return len(self.doc_title)

    def chunk_doc(self) -> np.ndarray:
        """Document of every chunk."""
        return np.repeat(np.arange(self.n_docs, dtype=np.int32), np.diff(self.doc_indptr))

    def chunk_title(self) -> np.ndarray:
        """Title id of every chunk."""
        return self.doc_title[self.chunk_doc()]

    def chunk_text(self, i: int) -> str:
        s = self.source.sentences
        return "".join(s[j] for j in self.chunk_sents[self.chunk_indptr[i] : self.chunk_indptr[i + 1]])

    def texts(self, rows: Sequence[int] | None = None) -> Iterator[str]:
        for i in range(self.n_chunks) if rows is None else rows:
            yield self.chunk_text(int(i))

    def titled(self, rows: Sequence[int], sep: str) -> list[str]:
        """`title + sep + chunk text` for the given rows (sep " " for BM25, "\\n" for the encoder, as store.py)."""
        titles, chunk_title = self.source.titles, self.chunk_title()
        return [f"{titles[chunk_title[i]]}{sep}{self.chunk_text(int(i))}" for i in rows]

    def fingerprint(self) -> str:
        """A digest of the whole corpus structure (equal seeds and sizes give equal fingerprints)."""
        import hashlib

        h = hashlib.sha256()
        for arr in (self.doc_title, self.doc_indptr, self.chunk_indptr, self.chunk_sents):
            h.update(np.ascontiguousarray(arr).tobytes())
        h.update("\x00".join(self.source.sentences).encode())
        return h.hexdigest()[:16]

    def documents_and_chunks(self, with_tokens: list[list[str]] | None = None) -> tuple[list[Document], list[Chunk]]:
        """`Document`/`Chunk` records as the index stores them (document text = its chunks joined by line breaks)."""
        sentences, titles = self.source.sentences, self.source.titles
        docs: list[Document] = []
        chunks: list[Chunk] = []
        indptr, sents = self.chunk_indptr, self.chunk_sents
        for d in range(self.n_docs):
            doc_id = f"syn{self.seed}-{d:07d}"
            parts = []
            offsets = []
            pos = 0
            for c in range(int(self.doc_indptr[d]), int(self.doc_indptr[d + 1])):
                text = "".join([sentences[j] for j in sents[indptr[c] : indptr[c + 1]]])
                parts.append(text)
                offsets.append((c, pos, pos + len(text), text))
                pos += len(text) + 1
            full = "\n".join(parts)
            docs.append(Document(doc_id, f"synthetic-{self.seed}.jsonl", titles[self.doc_title[d]], full))
            for k, (c, s, e, text) in enumerate(offsets):
                tokens = with_tokens[c] if with_tokens is not None else []
                chunks.append(Chunk(f"{doc_id}::{k}", doc_id, s, e, text, tokens))
        return docs, chunks


def _doc_layout(rng: np.random.Generator, n_chunks: int, chunks_per_doc: tuple[int, int], art_weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Chunks per document (summing to `n_chunks`) and each document's home article, drawn from `rng` first."""
    lo, hi = chunks_per_doc
    sizes = rng.integers(lo, hi + 1, size=max(1, 2 * n_chunks // max(lo, 1) + 1))
    ends = np.cumsum(sizes)
    n_docs = int(np.searchsorted(ends, n_chunks) + 1)
    sizes = sizes[:n_docs].copy()
    sizes[-1] -= int(ends[n_docs - 1] - n_chunks)
    return sizes, rng.choice(len(art_weight), size=n_docs, p=art_weight)


def _read_chunks(
    rng: np.random.Generator, n_chunks: int, chunk_doc: np.ndarray, doc_home: np.ndarray, art_ids: list[Any],
    art_weight: np.ndarray, sent_len: np.ndarray, chunk_size: int, jump: float, home: float,
) -> tuple[np.ndarray, list[int]]:
    """The sentences of each chunk (indptr, sentence ids), read as `generate` describes."""
    n_arts = len(art_weight)
    # Pre-drawn random streams consumed in order (fast and reproducible).
    budget = n_chunks * 24 + 64
    uni = rng.random(budget)
    pick_art = rng.choice(n_arts, size=budget, p=art_weight)
    pos_u = rng.random(budget)
    k = 0
    out_ptr = np.zeros(n_chunks + 1, dtype=np.int64)
    out: list[int] = []
    for c in range(n_chunks):
        if k + 40 >= budget:  # refill (rare: very short sentences)
            uni, pick_art, pos_u = rng.random(budget), rng.choice(n_arts, size=budget, p=art_weight), rng.random(budget)
            k = 0
        a = int(doc_home[chunk_doc[c]]) if uni[k] < home else int(pick_art[k])
        ids = art_ids[a]
        p = int(pos_u[k] * len(ids))
        k += 1
        length = 0
        while True:
            sid = int(ids[p])
            if length and length + sent_len[sid] > chunk_size:
                break
            out.append(sid)
            length += int(sent_len[sid])
            p += 1
            if p >= len(ids) or uni[k] < jump:
                a = int(pick_art[k])
                ids = art_ids[a]
                p = int(pos_u[k] * len(ids))
            k += 1
            if k + 2 >= budget:
                break
        out_ptr[c + 1] = len(out)
    return out_ptr, out


def generate(
    source: SourceText,
    n_chunks: int,
    seed: int = 2018,
    chunk_size: int = 300,
    chunks_per_doc: tuple[int, int] = (1, 16),
    jump: float = 0.25,
    home: float = 0.7,
) -> SyntheticCorpus:
    """A corpus of exactly `n_chunks` chunks; deterministic in (`source`, `n_chunks`, `seed`, parameters).

    Each document takes the title of a random real article (its home); a chunk starts in the home article
    with probability `home` (else anywhere), reads consecutive sentences and jumps to a random sentence of a
    random article with probability `jump` after each sentence, until the next sentence would pass
    `chunk_size` characters (the first sentence is always taken).
    """
    rng = np.random.default_rng([seed, n_chunks])
    arts = source.articles
    art_len = np.array([len(ids) for _, ids in arts], dtype=np.int64)
    art_weight = art_len / art_len.sum()
    sent_len = np.array([len(s) for s in source.sentences], dtype=np.int64)
    art_ids = [ids for _, ids in arts]
    art_title = np.array([t for t, _ in arts], dtype=np.int32)

    sizes, doc_home = _doc_layout(rng, n_chunks, chunks_per_doc, art_weight)
    n_docs = len(sizes)
    doc_indptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    doc_title = art_title[doc_home]

    out_ptr, out = _read_chunks(rng, n_chunks, np.repeat(np.arange(n_docs), sizes), doc_home, art_ids, art_weight, sent_len, chunk_size, jump, home)
    return SyntheticCorpus(
        source=source,
        seed=seed,
        doc_title=doc_title.astype(np.int32),
        doc_indptr=doc_indptr,
        chunk_indptr=out_ptr,
        chunk_sents=np.asarray(out, dtype=np.int32),
    )


# -- featurisation by composition ------------------------------------------------------------------------


@dataclass
class UnitFeatures:
    """Per-sentence and per-title BM25 tokens and encoder sums."""

    sent_tokens: list[list[str]]
    title_tokens: list[list[str]]
    sent_sum: np.ndarray | None
    """(n_sentences, dim) float64 weighted vector sums (None when the encoder is not composable)."""
    title_sum: np.ndarray | None
    composable: bool
    method: str
    seconds_tokens: float = 0.0
    seconds_vectors: float = 0.0


def unit_features(source: SourceText, encoder: Any) -> UnitFeatures:
    """Tokenise (project tokenizer) and encode (encoder internals) every sentence and title once."""
    import time

    from embeddings.tokenize import tokenize

    t0 = time.perf_counter()
    sent_tokens = [tokenize(s) for s in source.sentences]
    title_tokens = [tokenize(t) for t in source.titles]
    t1 = time.perf_counter()
    composable = all(hasattr(encoder, a) for a in ("tokenize", "embeddings", "weights"))
    if composable:
        emb, w = encoder.embeddings, encoder.weights

        def sums(texts: list[str]) -> np.ndarray:
            out = np.zeros((len(texts), emb.shape[1]), dtype=np.float64)
            for i, text in enumerate(texts):
                ids = np.asarray(encoder.tokenize(text), dtype=np.int64)
                if ids.size:
                    out[i] = (emb[ids] * w[ids][:, None]).sum(axis=0, dtype=np.float64)
            return out

        sent_sum, title_sum = sums(source.sentences), sums(source.titles)
        method = "exact composition of per-sentence weighted word-vector sums (same vectors as encoder.encode)"
    else:
        # Not a word-vector mean: the sum of length-weighted unit embeddings is a stand-in, labelled as such.
        lengths_s = np.array([len(s) for s in source.sentences], dtype=np.float64)[:, None]
        lengths_t = np.array([len(t) for t in source.titles], dtype=np.float64)[:, None]
        sent_sum = encoder.encode(source.sentences).astype(np.float64) * lengths_s
        title_sum = encoder.encode(source.titles).astype(np.float64) * lengths_t
        method = "stand-in: length-weighted sum of per-sentence embeddings (the model is not a word-vector mean)"
    t2 = time.perf_counter()
    return UnitFeatures(sent_tokens, title_tokens, sent_sum, title_sum, composable, method, t1 - t0, t2 - t1)


def composed_tokens(corpus: SyntheticCorpus, units: UnitFeatures) -> list[list[str]]:
    """BM25 tokens of every chunk (title + text), by concatenating unit tokens (shared string objects)."""
    st, tt = units.sent_tokens, units.title_tokens
    chunk_title = corpus.chunk_title()
    indptr, sents = corpus.chunk_indptr, corpus.chunk_sents.tolist()
    return [
        list(chain(tt[chunk_title[i]], *[st[j] for j in sents[indptr[i] : indptr[i + 1]]]))
        for i in range(corpus.n_chunks)
    ]


def composed_vectors(corpus: SyntheticCorpus, units: UnitFeatures, block: int = 100_000) -> np.ndarray:
    """(n, dim) float32 unit rows: normalise(title sum + sum of sentence sums), in blocks to bound memory."""
    assert units.sent_sum is not None and units.title_sum is not None
    n, dim = corpus.n_chunks, units.sent_sum.shape[1]
    out = np.empty((n, dim), dtype=np.float32)
    counts = np.diff(corpus.chunk_indptr)
    chunk_title = corpus.chunk_title()
    for start in range(0, n, block):
        stop = min(n, start + block)
        lo, hi = corpus.chunk_indptr[start], corpus.chunk_indptr[stop]
        rows = np.repeat(np.arange(stop - start), counts[start:stop])
        mat = sparse.csr_matrix(
            (np.ones(hi - lo), (rows, corpus.chunk_sents[lo:hi])), shape=(stop - start, units.sent_sum.shape[0])
        )
        summed = mat @ units.sent_sum + units.title_sum[chunk_title[start:stop]]
        norms = np.linalg.norm(summed, axis=1, keepdims=True)
        out[start:stop] = (summed / np.maximum(norms, 1e-12)).astype(np.float32)
    return out


def verify_composition(
    corpus: SyntheticCorpus, units: UnitFeatures, tokens: list[list[str]], vectors: np.ndarray, encoder: Any, sample: int = 200
) -> dict[str, Any]:
    """Compare composed tokens/vectors with `tokenize(title + " " + text)` and `encoder.encode(title + "\\n" + text)`."""
    from embeddings.tokenize import tokenize

    rng = np.random.default_rng(corpus.seed + 1)
    rows = np.sort(rng.choice(corpus.n_chunks, size=min(sample, corpus.n_chunks), replace=False))
    same = sum(tokenize(t) == tokens[i] for t, i in zip(corpus.titled(rows, " "), rows, strict=True))
    real = encoder.encode(corpus.titled(rows, "\n"))
    diff = float(np.abs(real - vectors[rows]).max()) if len(rows) else 0.0
    cos = float(np.min(np.sum(real * vectors[rows], axis=1))) if len(rows) else 1.0
    return {"sample": len(rows), "tokens_identical": int(same), "vector_max_abs_diff": diff, "vector_min_cosine": cos}
