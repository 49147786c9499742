"""Waiting for the worker to finish the jobs a test started, so none is left for a later test's worker."""

from __future__ import annotations

import time

import sqlalchemy as sa

from studyteddy_desktop.db.models import BackgroundJob
from studyteddy_desktop.services.app_services import AppServices


def wait_for_document_jobs(services: AppServices, document_ids: set[str], timeout: float = 600) -> None:
    """Block until every job about these documents (indexing, summary, card drafts) has finished."""
    deadline = time.monotonic() + timeout
    while True:
        with services.database.unit_of_work() as session:
            open_jobs = session.scalar(sa.select(sa.func.count()).select_from(BackgroundJob).where(
                BackgroundJob.state.in_(["queued", "running"]),
                BackgroundJob.payload["document_id"].astext.in_(document_ids)))
        if not open_jobs:
            return
        assert time.monotonic() < deadline, f"{open_jobs} job(s) still unfinished"
        time.sleep(0.2)


def delete_when_idle(services: AppServices, file_name: str, deck_prefix: str) -> None:
    """Delete a test's documents (imported from `file_name`) and decks (named `deck_prefix`…).

    Their jobs finish first: a summary or draft job left queued would be run by a later test's
    worker, for a deleted document.
    """
    mine = {document.id for document in services.documents.list_documents()
            if document.original_filename == file_name}
    wait_for_document_jobs(services, {str(document_id) for document_id in mine})
    for document_id in mine:
        services.documents.delete(document_id)
    for deck in services.flashcards.list_decks():
        if deck.name.startswith(deck_prefix):
            services.flashcards.delete_deck(deck.id)
