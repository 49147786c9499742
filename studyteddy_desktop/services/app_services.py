"""Wires the services to running endpoints; the one object the UI and the CLI hold."""

from __future__ import annotations

from pathlib import Path

from studyteddy_desktop.domain.dto import ProfileDTO, RuntimeEndpoints
from studyteddy_desktop.domain.job_queue import JobQueue
from studyteddy_desktop.ingest.content_store import ContentStore
from studyteddy_desktop.runtime.paths import DataPaths
from studyteddy_desktop.services.backups.backup_service import BackupService
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.documents.document_library import DocumentLibrary
from studyteddy_desktop.services.documents.document_search import DocumentSearch
from studyteddy_desktop.services.core.health_service import HealthService
from studyteddy_desktop.services.core.job_service import JobService
from studyteddy_desktop.services.core.profile_service import ProfileService
from studyteddy_desktop.services.core.activity_cache import ActivityCache
from studyteddy_desktop.services.planner.calendar_service import CalendarService
from studyteddy_desktop.services.dashboard.dashboard_service import DashboardService
from studyteddy_desktop.services.planner.exam_service import ExamService
from studyteddy_desktop.services.planner.focus_service import FocusService
from studyteddy_desktop.services.flashcards.card_drafts import CardDrafts
from studyteddy_desktop.services.flashcards.card_exchange import CardExchange
from studyteddy_desktop.services.flashcards.flashcard_service import FlashcardService
from studyteddy_desktop.services.flashcards.review_service import ReviewService
from studyteddy_desktop.services.core.local_student import LocalStudent
from studyteddy_desktop.services.planner.planner_service import PlannerService
from studyteddy_desktop.services.planner.reminder_service import ReminderService
from studyteddy_desktop.services.core.study_preferences import StudyPreferences
from studyteddy_desktop.services.core.shared_store import open_shared_store
from studyteddy_desktop.services.documents.query_embedding import WorkerQueryEmbedder
from studyteddy_desktop.services.tutor.language_models import LanguageModels
from studyteddy_desktop.services.policy.machine_policy import MachinePolicy
from studyteddy_desktop.services.policy.policy_sources import system_policy
from studyteddy_desktop.services.sync.sync_service import SyncService
from studyteddy_desktop.services.tutor.tutor_service import TutorService


class AppServices:
    """The service layer for one process: each attribute is a service with a narrow job.

    `queue` is the door to background work; `studyteddy_desktop.assembly` hands in the worker's.
    `policy` is the school's machine-wide policy, read from the system's places unless handed in; the
    services enforce it, so the window and the `studyteddy` command obey it alike.
    """

    def __init__(self, endpoints: RuntimeEndpoints, queue: JobQueue, *, database: Database | None = None,
                 policy: MachinePolicy | None = None) -> None:
        self.endpoints = endpoints
        self.policy = policy if policy is not None else system_policy()
        self.database = database or Database(endpoints.database_url)
        # Redis, or the database where this machine has no Redis (endpoints.redis_url is None).
        self.shared_store = open_shared_store(endpoints.redis_url, endpoints.database_url)
        self.queue = queue
        self.profile = ProfileService(self.database)
        self.jobs = JobService(self.database, self.queue)
        self.health = HealthService(self.database, self.shared_store, self.queue, Path(endpoints.data_dir))
        # Planner and Dashboard: one student, one clock, one cache generation for all of them.
        self.student = LocalStudent(self.database)
        self.activity_cache = ActivityCache(self.shared_store)
        # The student caches the name and the dashboard's cached figures carry it: a rename drops both.
        self.profile.on_change(self._profile_changed)
        self.preferences = StudyPreferences(self.database, self.student)
        self.planner = PlannerService(self.database, self.student, self.activity_cache)
        self.exams = ExamService(self.database, self.student, self.activity_cache)
        self.focus = FocusService(self.database, self.student, self.activity_cache, self.preferences)
        self.dashboard = DashboardService(self.database, self.student, self.activity_cache, self.exams)
        self.reminders = ReminderService(self.database, self.student, self.preferences, self.shared_store)
        self.calendar = CalendarService(self.database, self.student, self.activity_cache)
        self.documents = DocumentLibrary(self.database, self.jobs,
                                         ContentStore(DataPaths.from_string(endpoints.data_dir).files_dir),
                                         policy=self.policy)
        self.search = DocumentSearch(self.database, WorkerQueryEmbedder(self.queue), self.student.user_id)
        self.flashcards = FlashcardService(self.database, self.student, self.activity_cache,
                                           DataPaths.from_string(endpoints.data_dir).media_dir)
        self.card_drafts = CardDrafts(self.database, self.student, self.activity_cache, self.jobs,
                                      policy=self.policy)
        self.reviews = ReviewService(self.database, self.student, self.activity_cache)
        self.card_exchange = CardExchange(self.database, self.student, self.activity_cache, self.flashcards.media_dir)
        self.tutor = TutorService(self.database, self.student, self.queue, policy=self.policy)
        self.language_models = LanguageModels(self.preferences, policy=self.policy)
        self.backups = BackupService(DataPaths.from_string(endpoints.data_dir), endpoints.database_url,
                                     self.preferences)
        self.backups.after_restore(self._data_restored)
        paths = DataPaths.from_string(endpoints.data_dir)
        # Offline stays the default: nothing here reaches a network until the student signs in.
        self.sync = SyncService(self.database, self.student, self.documents.store, paths.files_dir.parent / "incoming",
                                documents=self.documents, backups=self.backups, after_sync=self._synced,
                                policy_server_url=self.policy.sync_server_url)

    def _profile_changed(self, profile: ProfileDTO) -> None:
        self.student.forget()
        self.activity_cache.bump(profile.id)

    def _data_restored(self) -> None:
        # Pooled connections may hold plans for the tables the restore replaced.
        self.database.engine.dispose()
        self.student.forget()
        self.activity_cache.bump(self.student.user_id())

    def _synced(self, _result, _collections) -> None:
        # Arrived records change what the Planner, Dashboard and review queues count.
        self.student.forget()
        self.activity_cache.bump(self.student.user_id())

    def close(self) -> None:
        self.queue.close()
        self.shared_store.close()
        self.database.dispose()
