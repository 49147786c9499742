"""A faster-to-prompt copy of the bundled model, made once per data directory.

llama.cpp reads a prompt about twice as fast on AVX2 CPUs from Q8_0 weights as from the
bundled Q4_1 ones (measured: ~200 vs ~400 tokens/s on 2 cores), and the prompt, with its
passages, is most of a tutor answer's wait. Q8_0 holds every Q4_1 weight at a finer step, so
answers do not change in substance; generation speed is the same.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from studyteddy_desktop.ai.model_files import default_llm_path

log = logging.getLogger(__name__)

_SUFFIX = ".q8_0.gguf"


def prepared_default_model(cache_dir: Path) -> Path | None:
    """The Q8_0 copy of the bundled model, made now if missing; the bundled file itself if that fails."""
    source = default_llm_path()
    if source is None:
        return None
    stat = source.stat()
    # The size and modification time name the copy, so an updated model package gets a new one.
    target = cache_dir / f"{source.stem}-{stat.st_size}-{int(stat.st_mtime)}{_SUFFIX}"
    if target.is_file():
        return target
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        _requantize(source, target)
    except (OSError, RuntimeError) as error:
        log.warning("Using the bundled model as is; its faster copy could not be made: %s", error)
        return source
    for stale in cache_dir.glob(f"{source.stem}-*{_SUFFIX}"):
        if stale != target:
            stale.unlink(missing_ok=True)
    return target


def _requantize(source: Path, target: Path) -> None:
    import llama_cpp

    partial = target.with_name(target.name + f".{os.getpid()}.part")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q8_0
    params.allow_requantize = True
    params.nthread = max(1, min(2, os.cpu_count() or 1))
    try:
        if llama_cpp.llama_model_quantize(str(source).encode(), str(partial).encode(), params) != 0:
            raise RuntimeError("llama.cpp refused to convert the model")
        # A crash mid-write leaves only a .part file, never a half model under the real name.
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
