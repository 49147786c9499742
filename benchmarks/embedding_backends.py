"""Is there a faster embedding path than PyTorch fp32 on this machine? Measured, not assumed.

Run: .venv/bin/python benchmarks/embedding_backends.py
Compares PyTorch fp32 with dynamic int8 quantisation of the Linear layers and with OpenVINO fp32
(what the app uses, ai/openvino_encoder.py), at several batch sizes, on ~200-word-piece study chunks. A backend is worth adopting only if it
is faster here, its embeddings have cosine >= 0.99 to fp32, and its recall@10 on the labelled
query set below is within 1 point of fp32. (sentence-transformers already sorts a batch by
length, so length-sorted batching is the default and not a separate candidate.)
"""

from __future__ import annotations

import copy
import random
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from study_corpus import DETAILS, FRAMES, SUBJECTS, VERBS  # noqa: E402


def labelled_corpus(chunks: int = 240, per_chunk: int = 9, seed: int = 11):
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


def timed(model, texts: list[str], batch_size: int, repeats: int = 3) -> float:
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        model.encode(texts, batch_size=batch_size, normalize_embeddings=True)
        runs.append(time.perf_counter() - started)
    return len(texts) / statistics.median(runs)


class _OpenVinoAdapter:
    """The app's OpenVINO encoder behind the slice of encode() that this benchmark calls."""

    def __init__(self, model_dir: Path) -> None:
        from studyteddy_desktop.ai.openvino_encoder import OpenVinoEncoder

        self._encoder = OpenVinoEncoder(model_dir)

    def encode(self, texts: list[str], batch_size: int = 32, normalize_embeddings: bool = True) -> np.ndarray:
        return self._encoder.encode(texts, batch_size=batch_size)


def main() -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    from studyteddy_desktop.ai.model_files import embedding_model_dir

    texts, queries = labelled_corpus()
    fp32 = SentenceTransformer(str(embedding_model_dir()), device="cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Every Linear layer, wherever sentence-transformers keeps the transformer inside.
        int8 = torch.ao.quantization.quantize_dynamic(copy.deepcopy(fp32), {torch.nn.Linear}, dtype=torch.qint8)
    tokens = statistics.mean(len(fp32.tokenizer(text)["input_ids"]) for text in texts[:50])
    print(f"{len(texts)} chunks of ~{tokens:.0f} word pieces, {len(queries)} labelled questions, "
          f"{torch.get_num_threads()} threads")
    reference = fp32.encode(texts, normalize_embeddings=True)
    question_texts = [question for question, _label in queries]
    labels = [label for _question, label in queries]
    baseline_recall = recall_at_10(reference, fp32.encode(question_texts, normalize_embeddings=True), labels)
    baseline_speed = None
    candidates = (("pytorch fp32", fp32), ("pytorch dynamic int8", int8),
                  ("openvino fp32", _OpenVinoAdapter(embedding_model_dir())))
    for name, model in candidates:
        model.encode(texts[:16])
        speeds = {batch: timed(model, texts, batch) for batch in (8, 16, 32)}
        vectors = model.encode(texts, normalize_embeddings=True)
        cosine = float(np.min(np.sum(vectors * reference, axis=1)))
        recall = recall_at_10(vectors, model.encode(question_texts, normalize_embeddings=True), labels)
        default_speed = speeds[32]
        baseline_speed = baseline_speed or default_speed
        best_batch = max(speeds, key=speeds.get)
        print(f"{name:<22} chunks/s " + "  ".join(f"bs{b}: {s:5.1f}" for b, s in speeds.items())
              + f"  | x{default_speed / baseline_speed:.2f} of fp32 at bs32, best bs{best_batch}"
              + f"  | min cosine to fp32 {cosine:.4f}  | recall@10 {recall:.3f} (fp32 {baseline_recall:.3f})")
        worth = default_speed > baseline_speed * 1.05 and cosine >= 0.99 and abs(recall - baseline_recall) <= 0.01
        if name != "pytorch fp32":
            print(f"  adopt {name}? {'yes' if worth else 'no'} "
                  "(needs: faster by >5%, cosine >= 0.99, recall within 1 point)")


if __name__ == "__main__":
    main()
