"""A sentence-transformers word tokenizer for Chinese: jieba words, back-off to single characters.

The tokenisation itself lives in `embeddings.encoders.wordpiece` (no torch), shared with `NumpyWordEncoder`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sentence_transformers.sentence_transformer.modules.tokenizer import WordTokenizer

from embeddings.encoders.wordpiece import (
    CONFIG_FILE,
    VOCAB_FILE,
    backoff_ids,
    load_tokenizer,
    save_tokenizer,
    token_ids,
    word_index,
)

__all__ = ["CONFIG_FILE", "VOCAB_FILE", "JiebaWordTokenizer"]


class JiebaWordTokenizer(WordTokenizer):
    """Maps text to vocabulary ids: jieba precise-mode words; an unknown word backs off to known pieces.

    The back-off splits an unknown word greedily into the longest vocabulary entries (at most `max_piece_len`
    characters) from the left, down to single characters; characters not in the vocabulary are dropped.
    ASCII letters are lower-cased; whitespace tokens are dropped.
    """

    def __init__(
        self,
        vocab: Iterable[str] = (),
        do_lower_case: bool = True,
        backoff: bool = True,
        max_piece_len: int = 4,
    ) -> None:
        self.do_lower_case = do_lower_case
        self.backoff = backoff
        self.max_piece_len = max_piece_len
        self.vocab: list[str] = []
        self.word2idx: dict[str, int] = {}
        self.set_vocab(vocab)

    def set_vocab(self, vocab: Iterable[str]) -> None:
        """Replace the vocabulary; a word's id is its position."""
        self.vocab = list(vocab)
        self.word2idx = word_index(self.vocab)

    def get_vocab(self) -> list[str]:  # type: ignore[override]  # the base class declares an unused argument
        """The vocabulary, in id order."""
        return self.vocab

    def words(self, text: str) -> list[str]:
        """The vocabulary words `text` is encoded as (for inspection and tests)."""
        return [self.vocab[idx] for idx in self.tokenize(text)]

    def tokenize(self, text: str, **kwargs: object) -> list[int]:
        """Vocabulary ids of `text`, in order."""
        return token_ids(text, self.word2idx, self.do_lower_case, self.backoff, self.max_piece_len)

    def _pieces(self, token: str) -> list[int]:
        """Ids of the longest vocabulary entries covering `token` from the left; unknown characters skipped."""
        return backoff_ids(token, self.word2idx, self.max_piece_len)

    def config(self) -> dict[str, object]:
        """The settings saved next to the vocabulary."""
        return {
            "do_lower_case": self.do_lower_case,
            "backoff": self.backoff,
            "max_piece_len": self.max_piece_len,
        }

    def save(self, output_path: str) -> None:
        """Write the config and the vocabulary (one word a line) into `output_path`."""
        save_tokenizer(output_path, self.vocab, self.config())

    @staticmethod
    def load(input_path: str) -> JiebaWordTokenizer:
        """Read a tokenizer written by `save`."""
        vocab, config = load_tokenizer(input_path)
        return JiebaWordTokenizer(vocab=vocab, **config)
