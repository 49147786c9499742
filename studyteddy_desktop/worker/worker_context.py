"""What a task needs inside the worker process, set once when the consumer starts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from studyteddy_desktop.domain.tutor_dto import LanguageModelSettings
from studyteddy_desktop.ingest.content_store import ContentStore
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.core.job_service import JobService
from studyteddy_desktop.services.core.event_channel import WorkerEventPublisher
from studyteddy_desktop.services.core.shared_store import SharedStore

if TYPE_CHECKING:
    # The app imports this module to register task names; numpy and the model code stay in the worker.
    from studyteddy_desktop.ai.embedder import LazyEmbedder
    from studyteddy_desktop.ai.language_model_slot import LanguageModelSlot
    from studyteddy_desktop.worker.jobs.tutor.tutor_answer_job import TutorAnswerer


@dataclass(frozen=True)
class WorkerContext:
    database: Database
    shared_store: SharedStore
    publisher: WorkerEventPublisher
    jobs: JobService
    store: ContentStore
    embedder: LazyEmbedder
    language_model: LanguageModelSlot
    read_model_settings: Callable[[], LanguageModelSettings]
    tutor: TutorAnswerer


_current: WorkerContext | None = None


def install_context(context: WorkerContext) -> None:
    global _current
    _current = context


def current_context() -> WorkerContext:
    if _current is None:
        raise RuntimeError("worker tasks run only inside the worker process")
    return _current
