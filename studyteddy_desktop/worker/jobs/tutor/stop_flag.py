"""Whether the student pressed Stop on one answer, read from the shared store while the model writes."""

from __future__ import annotations

import time
import uuid

from studyteddy_desktop.domain.errors import ServiceUnavailableError
from studyteddy_desktop.domain.job_queue import cancel_key
from studyteddy_desktop.services.core.shared_store import SHARED_STORE_ERRORS, SharedStore

CANCEL_CHECK_EVERY_S = 0.05
# Reads of the stop flag that may fail in a row (50 ms apart while the model writes) before the answer
# stops: past that, a Stop the student pressed would go unheard.
UNREADABLE_STOP_CHECKS = 3
STOP_FLAG_UNREADABLE = ("The worker lost its connection to the job queue, so it could not hear Stop; the "
                        "answer was stopped there. Ask again once Settings → Services shows the queue running.")


class StopFlagUnreadable(ServiceUnavailableError):
    """The stop flag of an answer could not be read several times in a row."""


class StopFlag:
    """Whether the student asked to stop one answer. A flag the store cannot tell about is not read as "go on":
    a read may fail now and then, but several in a row end the answer."""

    def __init__(self, client: SharedStore, interaction_id: uuid.UUID,
                 allowed_misses: int = UNREADABLE_STOP_CHECKS) -> None:
        self._client = client
        self._key = cancel_key(interaction_id)
        self._allowed_misses = allowed_misses
        self._misses = 0

    def asked(self) -> bool:
        """True once Stop was asked; False for a failed read, until the failures in a row reach the
        limit: then StopFlagUnreadable."""
        try:
            asked = bool(self._client.exists(self._key))
        except SHARED_STORE_ERRORS as error:
            self._misses += 1
            if self._misses >= self._allowed_misses:
                raise StopFlagUnreadable(STOP_FLAG_UNREADABLE, details=repr(error)) from error
            return False
        self._misses = 0
        return asked

    def settle(self) -> bool:
        """Read until the flag is known, pausing between tries; StopFlagUnreadable if it never is."""
        while True:
            asked = self.asked()
            if self._misses == 0:
                return asked
            time.sleep(CANCEL_CHECK_EVERY_S)
