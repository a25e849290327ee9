"""Tokenisation of the built-in encoder, free of torch and sentence-transformers.

One implementation shared by `JiebaWordTokenizer` (the sentence-transformers module) and `NumpyWordEncoder`
(the fast query-time path): jieba precise-mode words; an unknown word backs off to known pieces.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Mapping
from typing import Any

import jieba

jieba.setLogLevel(logging.WARNING)

CONFIG_FILE = "jieba_tokenizer_config.json"
VOCAB_FILE = "jieba_tokenizer_vocab.txt"
DEFAULT_CONFIG: dict[str, Any] = {"do_lower_case": True, "backoff": True, "max_piece_len": 4}
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def lower_ascii(text: str) -> str:
    """`text` with ASCII letters lower-cased (other scripts untouched)."""
    return text.translate(_ASCII_LOWER)


def token_ids(
    text: str,
    word2idx: Mapping[str, int],
    do_lower_case: bool = True,
    backoff: bool = True,
    max_piece_len: int = 4,
) -> list[int]:
    """Vocabulary ids of `text`, in order.

    jieba precise-mode words, whitespace tokens dropped; a word missing from `word2idx` is split by
    `backoff_ids` when `backoff` is set and it is longer than one character, otherwise dropped.
    """
    if do_lower_case:
        text = lower_ascii(text)
    ids: list[int] = []
    for token in jieba.lcut(text):
        token = token.strip()
        if not token:
            continue
        idx = word2idx.get(token)
        if idx is not None:
            ids.append(idx)
        elif backoff and len(token) > 1:
            ids.extend(backoff_ids(token, word2idx, max_piece_len))
    return ids


def backoff_ids(token: str, word2idx: Mapping[str, int], max_piece_len: int = 4) -> list[int]:
    """Ids of the longest vocabulary entries (at most `max_piece_len` characters) covering `token` from the left,
    down to single characters; characters not in the vocabulary are skipped."""
    ids: list[int] = []
    start = 0
    while start < len(token):
        for length in range(min(max_piece_len, len(token) - start), 0, -1):
            idx = word2idx.get(token[start : start + length])
            if idx is not None:
                ids.append(idx)
                start += length
                break
        else:
            start += 1
    return ids


def word_index(vocab: Iterable[str]) -> dict[str, int]:
    """Word -> id (its position in `vocab`)."""
    return {word: idx for idx, word in enumerate(vocab)}


def save_tokenizer(output_path: str | os.PathLike[str], vocab: list[str], config: Mapping[str, Any]) -> None:
    """Write the tokenizer config and the vocabulary (one word a line) into `output_path`."""
    with open(os.path.join(output_path, CONFIG_FILE), "w", encoding="utf-8") as fh:
        json.dump(dict(config), fh)
    with open(os.path.join(output_path, VOCAB_FILE), "w", encoding="utf-8") as fh:
        fh.write("\n".join(vocab))
        fh.write("\n")


def load_tokenizer(input_path: str | os.PathLike[str]) -> tuple[list[str], dict[str, Any]]:
    """The vocabulary and config written by `save_tokenizer`."""
    with open(os.path.join(input_path, CONFIG_FILE), encoding="utf-8") as fh:
        config = json.load(fh)
    with open(os.path.join(input_path, VOCAB_FILE), encoding="utf-8") as fh:
        vocab = fh.read().split("\n")[:-1]
    return vocab, config
