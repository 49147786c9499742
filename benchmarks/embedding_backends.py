"""Is there a faster embedding path than PyTorch fp32 on this machine? Measured, not assumed.

Run: .venv/bin/python benchmarks/embedding_backends.py
Compares PyTorch fp32 (sentence-transformers' encode() at its defaults) with dynamic int8
quantisation of its Linear layers, with OpenVINO fp32 (what the app uses, ai/openvino_encoder.py)
and, when nncf is installed (`pip install nncf`), with OpenVINO int8 from NNCF's post-training
quantisation calibrated on study text. Chunks are ~240 word pieces, like the app's. A backend is
worth adopting only if it is faster here, its embeddings have cosine >= 0.99 to fp32, and its
recall@10 on the labelled query set below is within 1 point of fp32. (Both paths already sort
a batch by length, so length-sorted batching is not a separate candidate.)
"""

from __future__ import annotations

import copy
import random
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from study_corpus import DETAILS, FRAMES, SUBJECTS, VERBS  # noqa: E402


def labelled_corpus(chunks: int = 240, per_chunk: int = 16, seed: int = 11):
    """Chunks of study sentences, and questions each labelled with the chunk that answers it."""
    rng = random.Random(seed)
    facts = [(subject, topic, verb, detail) for subject, topics in SUBJECTS.items() for topic in topics
             for verb in VERBS for detail in DETAILS]
    rng.shuffle(facts)
    texts, queries = [], []
    for number in range(chunks):
        chosen = facts[number * per_chunk:(number + 1) * per_chunk]
        texts.append(" ".join(rng.choice(FRAMES).format(subject=s, topic=t, verb=v, detail=d)
                              for s, t, v, d in chosen))
        subject, topic, verb, detail = chosen[0]
        queries.append((f"In {subject}, what does {topic} have to do with {detail}?", number))
    return texts, queries


def recall_at_10(chunk_vectors: np.ndarray, query_vectors: np.ndarray, labels: list[int]) -> float:
    scores = query_vectors @ chunk_vectors.T
    top = np.argsort(-scores, axis=1)[:, :10]
    return float(np.mean([label in row for row, label in zip(top, labels, strict=True)]))


def timed(model, texts: list[str], repeats: int = 3) -> float:
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        model.encode(texts, normalize_embeddings=True)
        runs.append(time.perf_counter() - started)
    return len(texts) / statistics.median(runs)


class _OpenVinoAdapter:
    """An OpenVINO encoder behind the slice of encode() that this benchmark calls."""

    def __init__(self, encoder) -> None:
        self._encoder = encoder

    def encode(self, texts: list[str], normalize_embeddings: bool = True) -> np.ndarray:
        return self._encoder.encode(texts)


def _openvino_int8(calibration_texts: list[str]):
    """The app's OpenVINO encoder with its network quantised to int8 by NNCF, or None without nncf."""
    try:
        import nncf
    except ImportError:
        return None
    import openvino as ov

    from studyteddy_desktop.ai.model_files import embedding_model_dir
    from studyteddy_desktop.ai.openvino_encoder import OpenVinoEncoder, padded_inputs

    with tempfile.TemporaryDirectory() as cache:
        encoder = OpenVinoEncoder(embedding_model_dir(), Path(cache))
        fp32 = ov.Core().read_model(str(next(Path(cache).glob("*.xml"))))
    samples = [padded_inputs(encoder._tokenizer.encode_batch(calibration_texts[start:start + 8]))
               for start in range(0, len(calibration_texts), 8)]
    int8 = nncf.quantize(fp32, nncf.Dataset(samples), model_type=nncf.ModelType.TRANSFORMER,
                         subset_size=len(samples))
    compiled = ov.Core().compile_model(int8, "CPU", {"PERFORMANCE_HINT": "THROUGHPUT"})
    streams = compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS")
    encoder._requests = ov.AsyncInferQueue(compiled, streams)
    return _OpenVinoAdapter(encoder)


def main() -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    from studyteddy_desktop.ai.model_files import embedding_model_dir
    from studyteddy_desktop.ai.openvino_encoder import OpenVinoEncoder

    texts, queries = labelled_corpus()
    fp32 = SentenceTransformer(str(embedding_model_dir()), device="cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Every Linear layer, wherever sentence-transformers keeps the transformer inside.
        int8 = torch.ao.quantization.quantize_dynamic(copy.deepcopy(fp32), {torch.nn.Linear},
                                                      dtype=torch.qint8)
    tokens = statistics.mean(len(fp32.tokenizer(text)["input_ids"]) for text in texts[:50])
    print(f"{len(texts)} chunks of ~{tokens:.0f} word pieces, {len(queries)} labelled questions, "
          f"{torch.get_num_threads()} threads")
    reference = fp32.encode(texts, normalize_embeddings=True)
    question_texts = [question for question, _label in queries]
    labels = [label for _question, label in queries]
    baseline_recall = recall_at_10(reference, fp32.encode(question_texts, normalize_embeddings=True), labels)
    with tempfile.TemporaryDirectory() as cache:
        openvino = _OpenVinoAdapter(OpenVinoEncoder(embedding_model_dir(), Path(cache)))
    candidates = [("pytorch fp32", fp32), ("pytorch dynamic int8", int8), ("openvino fp32", openvino)]
    # Calibrated on other study text than the measured chunks.
    openvino_int8 = _openvino_int8(labelled_corpus(chunks=40, seed=99)[0])
    if openvino_int8 is None:
        print("(openvino int8 left out: `pip install nncf` to include it)")
    else:
        candidates.append(("openvino int8 (nncf)", openvino_int8))
    baseline_speed = None
    for name, model in candidates:
        model.encode(texts[:16])
        speed = timed(model, texts)
        vectors = model.encode(texts, normalize_embeddings=True)
        cosine = float(np.min(np.sum(vectors * reference, axis=1)))
        recall = recall_at_10(vectors, model.encode(question_texts, normalize_embeddings=True), labels)
        baseline_speed = baseline_speed or speed
        print(f"{name:<22} {speed:5.1f} chunks/s  x{speed / baseline_speed:.2f} of fp32"
              f"  | min cosine to fp32 {cosine:.4f}  | recall@10 {recall:.3f} (fp32 {baseline_recall:.3f})")
        worth = speed > baseline_speed * 1.05 and cosine >= 0.99 and abs(recall - baseline_recall) <= 0.01
        if name != "pytorch fp32":
            print(f"  adopt {name}? {'yes' if worth else 'no'} "
                  "(needs: faster by >5%, cosine >= 0.99, recall within 1 point)")


if __name__ == "__main__":
    main()
