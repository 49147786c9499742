"""The tutor's model manager: the bundled model plus GGUF files the student added, and the choice."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from studyteddy_desktop.ai.model_files import can_answer_from_general_knowledge, default_llm_path, looks_like_gguf
from studyteddy_desktop.domain.errors import InvalidInputError, NotFoundError
from studyteddy_desktop.domain.tutor_dto import LanguageModelDTO, LanguageModelSettings
from studyteddy_desktop.services.core.study_preferences import StudyPreferences

CONTEXT_SIZES = (2048, 4096, 8192, 16384, 32768)
THREAD_RANGE = (1, 64)
_SECTION = "language_model"


def _problem_with(path: Path) -> str | None:
    if not path.is_file():
        return "The file is missing."
    if not looks_like_gguf(path):
        return "This is not a GGUF model file."
    return None


class LanguageModels:
    """Added models are referenced where they are, not copied: they are often several gigabytes."""

    def __init__(self, preferences: StudyPreferences) -> None:
        self.preferences = preferences

    def settings(self) -> LanguageModelSettings:
        stored = self.preferences.section(_SECTION)
        default = LanguageModelSettings()
        path = stored.get("model_path")
        context = stored.get("context_size")
        threads = stored.get("threads")
        return LanguageModelSettings(
            model_path=path if isinstance(path, str) and path else None,
            context_size=context if context in CONTEXT_SIZES else default.context_size,
            threads=threads if isinstance(threads, int) and THREAD_RANGE[0] <= threads <= THREAD_RANGE[1]
            else default.threads)

    def added_paths(self) -> list[str]:
        return _added(self.preferences.section(_SECTION))

    def list_models(self) -> list[LanguageModelDTO]:
        settings = self.settings()
        models: list[LanguageModelDTO] = []
        bundled = default_llm_path()
        if bundled is not None:
            models.append(LanguageModelDTO(path=str(bundled), name=f"{bundled.stem} (bundled)",
                                           size_bytes=bundled.stat().st_size, bundled=True,
                                           active=settings.model_path is None, problem=_problem_with(bundled)))
        for text in self.added_paths():
            path = Path(text)
            models.append(LanguageModelDTO(path=text, name=path.stem, size_bytes=path.stat().st_size
                                           if path.is_file() else 0, bundled=False,
                                           active=settings.model_path == text, problem=_problem_with(path),
                                           general_knowledge=can_answer_from_general_knowledge(path)))
        return models

    def add_model(self, path: Path) -> LanguageModelDTO:
        path = path.expanduser().resolve()
        problem = _problem_with(path)
        if problem is not None:
            raise InvalidInputError(f"{path.name} cannot be added: {problem[0].lower()}{problem[1:]}")

        def with_path(stored: dict[str, Any]) -> dict[str, Any]:
            added = _added(stored)
            return stored if str(path) in added else {**stored, "added": [*added, str(path)]}

        self._store(with_path)
        return next(model for model in self.list_models() if model.path == str(path))

    def remove_model(self, path: str) -> None:
        def without(stored: dict[str, Any]) -> dict[str, Any]:
            if path not in _added(stored):
                raise NotFoundError("Only models you added can be removed; the bundled one stays.")
            return {**stored, "added": [item for item in _added(stored) if item != path],
                    "model_path": None if stored.get("model_path") == path else stored.get("model_path")}

        self._store(without)

    def set_settings(self, settings: LanguageModelSettings) -> LanguageModelSettings:
        if settings.model_path is not None:
            if settings.model_path not in self.added_paths():
                raise InvalidInputError("Add the model file first, then select it.")
            problem = _problem_with(Path(settings.model_path))
            if problem is not None:
                raise InvalidInputError(f"That model cannot be used: {problem}")
        if settings.context_size not in CONTEXT_SIZES:
            raise InvalidInputError("The context size must be one of "
                                    + ", ".join(f"{size:,}" for size in CONTEXT_SIZES) + " tokens.")
        if not THREAD_RANGE[0] <= settings.threads <= THREAD_RANGE[1]:
            raise InvalidInputError(f"Threads must be between {THREAD_RANGE[0]} and {THREAD_RANGE[1]}.")

        def chosen(stored: dict[str, Any]) -> dict[str, Any]:
            # Checked again under the lock: another window may have removed the model meanwhile.
            if settings.model_path is not None and settings.model_path not in _added(stored):
                raise InvalidInputError("Add the model file first, then select it.")
            return {**stored, "model_path": settings.model_path, "context_size": settings.context_size,
                    "threads": settings.threads}

        self._store(chosen)
        return self.settings()

    def _store(self, change: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        # Read and written in one locked step, so a concurrent change to another key is kept.
        self.preferences.update_section(_SECTION, change)


def _added(stored: dict[str, Any]) -> list[str]:
    added = stored.get("added")
    return [item for item in added if isinstance(item, str)] if isinstance(added, list) else []
