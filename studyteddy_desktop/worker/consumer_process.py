"""Entry point of the worker process: one huey consumer per data directory, models kept warm."""

from __future__ import annotations

import argparse
import fcntl
import logging
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable

import sqlalchemy

from studyteddy_desktop.ai.embedder import LazyEmbedder
from studyteddy_desktop.ai.language_model_slot import LanguageModelSlot
from studyteddy_desktop.domain.job_queue import TaskName
from studyteddy_desktop.domain.tutor_dto import LanguageModelSettings
from studyteddy_desktop.ingest.content_store import ContentStore
from studyteddy_desktop.runtime.paths import DataPaths
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.documents.document_search import DocumentSearch
from studyteddy_desktop.services.core.job_service import JobService
from studyteddy_desktop.worker.jobs.tutor.tutor_answer_job import TutorAnswerer
from studyteddy_desktop.services.core.event_channel import WorkerEventPublisher, open_event_publisher
from studyteddy_desktop.services.core.shared_store import SHARED_STORE_ERRORS, SharedStore, open_shared_store
from studyteddy_desktop.worker.queue import UNBOUNDED_HISTORY_ENV, HueyJobQueue
from studyteddy_desktop.worker.worker_context import WorkerContext, install_context

log = logging.getLogger("studyteddy.worker")

_ORPHAN_CHECK_INTERVAL_S = 2.0
_WARM_UP_DELAY_S = 3.0
_SERVER_WAIT_S = 120


class OrphanWatch(threading.Thread):
    """Ends the worker, and the servers, when every app process died without a clean quit."""

    def __init__(self, paths: DataPaths) -> None:
        super().__init__(name="orphan-watch", daemon=True)
        self.paths = paths
        self.orphaned = threading.Event()

    def run(self) -> None:
        from studyteddy_desktop.runtime.app_instances import AppInstanceRegistry

        registry = AppInstanceRegistry(self.paths)
        misses = 0
        while True:
            threading.Event().wait(_ORPHAN_CHECK_INTERVAL_S)
            lock = self.paths.lifecycle_lock.open("a+b")
            try:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # an app is starting or stopping; it decides.
                misses = misses + 1 if registry.others_alive() == 0 else 0
            finally:
                lock.close()
            if misses >= 2:
                log.warning("No Study Teddy app is alive any more; the worker shuts down")
                self.orphaned.set()
                os.kill(os.getpid(), signal.SIGTERM)
                return


def _warm_up_later(embedder: LazyEmbedder, language_model: LanguageModelSlot,
                   read_model_settings: Callable[[], LanguageModelSettings]) -> None:
    """Load the models and start a document reader soon, but not while the app is still starting."""
    threading.Event().wait(_WARM_UP_DELAY_S)
    try:
        embedder.warm_up()
    except Exception:
        log.exception("The embedding model could not be loaded")
    from studyteddy_desktop.ingest.sandboxed_extraction import prepare_extraction

    try:
        prepare_extraction()
    except OSError:
        log.warning("No document reader could be started ahead of need", exc_info=True)
    try:
        from studyteddy_desktop.ai.tutor_prompt import warm_up_opening

        language_model.get(read_model_settings()).model.warm_up(warm_up_opening())
    except Exception:
        log.exception("The language model could not be loaded")


def _model_settings_reader(database: Database) -> Callable[[], LanguageModelSettings]:
    from studyteddy_desktop.services.tutor.language_models import LanguageModels
    from studyteddy_desktop.services.core.local_student import LocalStudent
    from studyteddy_desktop.services.core.study_preferences import StudyPreferences

    student = LocalStudent(database)
    return LanguageModels(StudyPreferences(database, student)).settings


def _recover_tutor_answers(database: Database, queue: HueyJobQueue, publisher: WorkerEventPublisher) -> None:
    """Answers a dead worker was writing end as failed, keeping their text; unstarted ones are asked again."""
    from studyteddy_desktop.domain.events import WorkerEvent
    from studyteddy_desktop.domain.tutor_dto import EVENT_FINISHED, INTERRUPTED_MESSAGE
    from studyteddy_desktop.worker.jobs.tutor.tutor_answer_job import recover_interrupted_answers

    interrupted, unstarted = recover_interrupted_answers(database)
    for interaction_id in interrupted:
        publisher.publish(WorkerEvent(kind=EVENT_FINISHED, message=INTERRUPTED_MESSAGE,
                                      data={"interaction_id": str(interaction_id), "status": "failed"}))
    for interaction_id in unstarted:
        queue.enqueue(TaskName.TUTOR_ANSWER, str(interaction_id))
    if interrupted or unstarted:
        log.info("Tutor answers: %d interrupted, %d asked again", len(interrupted), len(unstarted))


def _wait_for_servers(database: Database, shared_store: SharedStore) -> None:
    """Wait until the database has this build's schema and the shared store (Redis, or the database
    itself) answers: the worker may have been started before the app brought them up."""
    from studyteddy_desktop.db.schema_version import database_is_at_shipped_head

    deadline = time.monotonic() + _SERVER_WAIT_S
    while True:
        try:
            if database_is_at_shipped_head(database.engine) and shared_store.ping():
                return
        except (sqlalchemy.exc.OperationalError, *SHARED_STORE_ERRORS):
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"the database and the job queue were not ready within {_SERVER_WAIT_S} s; the worker gives up")
        # Short: the app's first health check waits on this worker; a failed probe costs about 1 ms.
        time.sleep(0.02)


def _tidy_history(queue: HueyJobQueue, jobs: JobService) -> None:
    """Drop what earlier runs left to pile up: results no one will read, job rows past their retention."""
    try:
        dropped = queue.drop_legacy_results()
        if dropped:
            log.info("Dropped %d task result(s) an earlier version kept without expiry", dropped)
        pruned = jobs.prune_if_due()
        if pruned:
            log.info("Pruned %d finished job(s) past their retention", pruned)
    except (sqlalchemy.exc.SQLAlchemyError, *SHARED_STORE_ERRORS):
        # Housekeeping: jobs still run, and pruning is tried again within the hour as jobs end.
        log.exception("Old task results or job rows could not be tidied away")


def run_consumer(args: argparse.Namespace, paths: DataPaths) -> None:
    """Serve the queue until stopped; the caller holds the worker lock."""
    database = Database(args.database_url)
    # No Redis URL: the queue, the events and the flags all live in the database.
    shared_store = open_shared_store(args.redis_url, args.database_url)
    # Before the queue is built: on PostgreSQL its storage needs the database up.
    _wait_for_servers(database, shared_store)
    bounded = os.environ.get(UNBOUNDED_HISTORY_ENV) != "1"
    queue = HueyJobQueue(args.redis_url, database_url=args.database_url, bounded_results=bounded)
    # A fresh token per worker boot tells this worker's jobs from those a dead one left running.
    jobs = JobService(database, queue, worker_token=f"{os.getpid()}-{uuid.uuid4().hex[:12]}",
                      prune_every_s=JobService.PRUNE_EVERY_S if bounded else None)
    embedder = LazyEmbedder(cache_dir=paths.models_dir)
    publisher = open_event_publisher(args.redis_url, args.database_url)
    language_model = LanguageModelSlot(paths.models_dir)
    read_model_settings = _model_settings_reader(database)
    tutor = TutorAnswerer(database, DocumentSearch(database, lambda text: embedder.get().embed_query(text)),
                          language_model, read_model_settings, shared_store, publisher.publish)
    install_context(WorkerContext(database=database, shared_store=shared_store, publisher=publisher, jobs=jobs,
                                  store=ContentStore(paths.files_dir), embedder=embedder,
                                  language_model=language_model, read_model_settings=read_model_settings,
                                  tutor=tutor))

    if bounded:
        _tidy_history(queue, jobs)
    requeued = jobs.requeue_unfinished()
    if requeued:
        log.info("Re-enqueued %d job(s) left unfinished by a previous worker", len(requeued))
    _recover_tutor_answers(database, queue, publisher)
    from studyteddy_desktop.worker.jobs.documents.digest_job import submit_pending_digests

    submit_pending_digests(database, jobs)  # summaries a stopped worker never wrote

    watch = OrphanWatch(paths)
    watch.start()
    threading.Thread(target=_warm_up_later, args=(embedder, language_model, read_model_settings),
                     name="model-warm-up", daemon=True).start()
    consumer = queue.huey.create_consumer(workers=max(1, args.threads), worker_type="thread",
                                          periodic=False, initial_delay=0.05, max_delay=1.0,
                                          check_worker_health=True)
    log.info("Worker %d ready on %s", os.getpid(), paths.root)
    consumer.run()

    database.dispose()
    if watch.orphaned.is_set() and args.stop_servers_when_orphaned:
        # Consumer threads still blocked on the queue would log every lost connection.
        logging.getLogger("huey").setLevel(logging.CRITICAL)
        from studyteddy_desktop.runtime.service_runtime import stop_orphaned_servers

        stop_orphaned_servers(paths)
