"""The tutor's model manager: the bundled model plus GGUF files the student added, and the choice."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from studyteddy_desktop.ai.model_files import can_answer_from_general_knowledge, default_llm_path, looks_like_gguf
from studyteddy_desktop.domain.errors import BlockedByPolicyError, InvalidInputError, NotFoundError
from studyteddy_desktop.domain.tutor_dto import LanguageModelDTO, LanguageModelSettings
from studyteddy_desktop.services.core.study_preferences import StudyPreferences
from studyteddy_desktop.services.policy.machine_policy import MachinePolicy
from studyteddy_desktop.services.policy.policy_sources import system_policy

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
    """Added models are referenced where they are, not copied: they are often several gigabytes.

    A school's policy can turn adding off and pin the model; a pinned model is the one in use whatever
    the student chose (their choice is kept for a computer without the pin). The worker builds this
    without a policy argument, so the default reads the computer's policy and the worker obeys too.
    """

    def __init__(self, preferences: StudyPreferences, *, policy: MachinePolicy | None = None) -> None:
        self.preferences = preferences
        self.policy = policy if policy is not None else system_policy()

    @property
    def adding_allowed(self) -> bool:
        return self.policy.model_adding_enabled

    def pinned_model(self) -> str | None:
        """The model file the school pinned, as a path ("" for the bundled model); None when not pinned.

        A bare file name is looked for among the bundled and the added models, then beside the bundled one.
        """
        wanted = self.policy.language_model_file
        if wanted is None:
            return None
        bundled = default_llm_path()
        if Path(wanted).is_absolute():
            return "" if bundled is not None and Path(wanted) == bundled else wanted
        if bundled is not None and wanted in (bundled.name, bundled.stem):
            return ""
        for added in self.added_paths():
            if wanted in (Path(added).name, Path(added).stem):
                return added
        return str(bundled.parent / wanted) if bundled is not None else wanted

    def settings(self) -> LanguageModelSettings:
        stored = self.preferences.section(_SECTION)
        default = LanguageModelSettings()
        pinned = self.pinned_model()
        path = stored.get("model_path") if pinned is None else pinned
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
        pinned = self.pinned_model()
        extra = [pinned] if pinned and pinned not in self.added_paths() else []
        for text in [*self.added_paths(), *extra]:
            path = Path(text)
            models.append(LanguageModelDTO(path=text, name=path.stem, size_bytes=path.stat().st_size
                                           if path.is_file() else 0, bundled=False,
                                           active=settings.model_path == text, problem=_problem_with(path),
                                           general_knowledge=can_answer_from_general_knowledge(path)))
        return models

    def add_model(self, path: Path) -> LanguageModelDTO:
        if not self.adding_allowed:
            raise BlockedByPolicyError("Your school has turned off adding tutor models on this computer.")
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
        pinned = self.pinned_model()
        if pinned is not None and settings.model_path != (pinned or None):
            raise BlockedByPolicyError(f"Your school chose the model the tutor uses "
                                       f"({self.policy.language_model_file}); it cannot be changed here.")
        if settings.model_path is not None and pinned is None:
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
            if pinned is None and settings.model_path is not None and settings.model_path not in _added(stored):
                raise InvalidInputError("Add the model file first, then select it.")
            model_path = settings.model_path if pinned is None else stored.get("model_path")
            return {**stored, "model_path": model_path, "context_size": settings.context_size,
                    "threads": settings.threads}

        self._store(chosen)
        return self.settings()

    def _store(self, change: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        # Read and written in one locked step, so a concurrent change to another key is kept.
        self.preferences.update_section(_SECTION, change)


def _added(stored: dict[str, Any]) -> list[str]:
    added = stored.get("added")
    return [item for item in added if isinstance(item, str)] if isinstance(added, list) else []
