"""The OpenVINO embedding path against PyTorch's, with the real all-MiniLM-L6-v2 weights."""

from __future__ import annotations

import numpy as np
import pytest

from studyteddy_desktop.ai.embedder import SentenceEmbedder

TEXTS = [
    "Mitosis produces two identical daughter cells; meiosis produces four gametes.",
    "What caused the fall of Constantinople?",
    "pH",
    " ".join(["Entropy of an isolated system never decreases over time."] * 30),
]


@pytest.fixture(scope="module")
def pytorch() -> SentenceEmbedder:
    return SentenceEmbedder(backend="pytorch")


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> object:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def openvino(cache_dir) -> SentenceEmbedder:
    return SentenceEmbedder(backend="openvino", cache_dir=cache_dir)


def test_openvino_is_chosen_and_matches_pytorch(openvino, pytorch):
    assert openvino.backend == "openvino" and pytorch.backend == "pytorch"
    fast, reference = openvino.embed(TEXTS), pytorch.embed(TEXTS)
    assert fast.shape == (len(TEXTS), 384) and fast.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    assert np.min(np.sum(fast * reference, axis=1)) >= 0.999


def test_a_batch_gives_each_text_the_vector_it_gets_alone(openvino):
    together = openvino.embed(TEXTS, batch_size=3)
    alone = np.vstack([openvino.embed([text]) for text in TEXTS])
    assert np.min(np.sum(together * alone, axis=1)) >= 0.9999


def test_every_text_of_an_uneven_count_lands_in_its_own_row(openvino):
    # 33 texts of mixed lengths are split over the streams out of order; each row must still be its text's.
    texts = [f"{text} ({number})" for number, text in enumerate(TEXTS * 11)][:33]
    together = openvino.embed(texts)
    alone = np.vstack([openvino.embed([text]) for text in texts])
    assert together.shape == (33, 384)
    assert np.min(np.sum(together * alone, axis=1)) >= 0.9999


def test_the_conversion_is_cached_and_reloaded(openvino, cache_dir):
    files = sorted(path.name for path in cache_dir.iterdir())
    assert [name.rsplit(".", 1)[1] for name in files] == ["bin", "xml"]
    reloaded = SentenceEmbedder(backend="openvino", cache_dir=cache_dir)
    assert reloaded.backend == "openvino"
    np.testing.assert_allclose(reloaded.embed(TEXTS), openvino.embed(TEXTS), atol=1e-5)


def test_a_damaged_cache_is_converted_again(openvino, cache_dir):
    for path in cache_dir.glob("*.xml"):
        path.write_text("not a model")
    rebuilt = SentenceEmbedder(backend="openvino", cache_dir=cache_dir)
    assert rebuilt.backend == "openvino"
    np.testing.assert_allclose(rebuilt.embed(TEXTS), openvino.embed(TEXTS), atol=1e-5)


def test_pytorch_takes_over_when_openvino_fails(monkeypatch, pytorch):
    from studyteddy_desktop.ai import openvino_encoder

    def unavailable(*_args, **_kwargs):
        raise RuntimeError("no OpenVINO on this machine")

    monkeypatch.setattr(openvino_encoder, "OpenVinoEncoder", unavailable)
    fallback = SentenceEmbedder(backend="openvino")
    assert fallback.backend == "pytorch"
    assert np.min(np.sum(fallback.embed(TEXTS) * pytorch.embed(TEXTS), axis=1)) >= 0.9999


def test_the_shipped_model_needs_no_pytorch_weights_and_gives_the_same_vectors(tmp_path, pytorch):
    import shutil

    from studyteddy_desktop.ai.model_files import embedding_model_dir, embedding_weights
    from studyteddy_desktop.ai.openvino_encoder import OpenVinoEncoder, write_shipped_model

    source = embedding_model_dir()
    shipped = tmp_path / "model"
    shipped.mkdir()
    shutil.copy2(source / "tokenizer.json", shipped / "tokenizer.json")
    written = write_shipped_model(source, shipped)
    assert not (shipped / "model.safetensors").exists()
    assert embedding_weights(shipped) == written.with_suffix(".bin")
    assert embedding_weights(source) == source / "model.safetensors"
    # No cache folder: the shipped IR is what loads, without converting from PyTorch.
    vectors = OpenVinoEncoder(shipped).encode(TEXTS)
    assert np.min(np.sum(vectors * pytorch.embed(TEXTS), axis=1)) >= 0.999
