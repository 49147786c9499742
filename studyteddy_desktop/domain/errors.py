"""The small error taxonomy: what a user can be told, and what is a bug."""

from __future__ import annotations


class StudyTeddyError(Exception):
    """A known problem with a message written for the student."""

    def __init__(self, message: str, *, details: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message


class DataDirectoryError(StudyTeddyError):
    """The data directory cannot be created, written or locked."""


class ServiceStartError(StudyTeddyError):
    """A bundled server (PostgreSQL, Redis, the worker) would not start; details hold its log's tail."""


class ServiceUnavailableError(StudyTeddyError):
    """A server the app needs is not reachable."""


class InstanceConflictError(StudyTeddyError):
    """Another program holds the data directory in a way we cannot share."""


class NotFoundError(StudyTeddyError):
    """A row the caller asked for does not exist (or was deleted)."""


class InvalidInputError(StudyTeddyError):
    """Input that the app refuses, with the reason."""


class LanguageModelError(StudyTeddyError):
    """A language model file is missing, is not a GGUF model, or cannot be loaded."""


class BlockedByPolicyError(StudyTeddyError):
    """The school's machine-wide policy turns this off or does not allow it here."""
