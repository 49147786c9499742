"""The local student profile, created on first launch."""

from __future__ import annotations

import getpass
import pwd
from collections.abc import Callable

from studyteddy_desktop.db.models import UserProfile
from studyteddy_desktop.db.repositories.profile_repository import ProfileRepository
from studyteddy_desktop.domain.dto import ProfileDTO
from studyteddy_desktop.domain.errors import InvalidInputError
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.core.text_input import clean_subject

_MAX_NAME_LENGTH = 80
_MAX_SUBJECTS = 50


def _login_display_name() -> str:
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        return "Student"
    try:
        full_name = pwd.getpwnam(login).pw_gecos.split(",")[0].strip()
    except KeyError:
        full_name = ""
    name = full_name or login
    return "Student" if name in {"", "root"} else name[:_MAX_NAME_LENGTH]


def _to_dto(profile: UserProfile) -> ProfileDTO:
    return ProfileDTO(id=profile.id, display_name=profile.display_name,
                      subjects=tuple(profile.subjects or ()), created_at=profile.created_at)


def _clean_subjects(subjects: list[str] | tuple[str, ...]) -> list[str]:
    cleaned: list[str] = []
    for subject in subjects:
        name = clean_subject(str(subject))
        if name is None:
            continue
        if name.casefold() not in {existing.casefold() for existing in cleaned}:
            cleaned.append(name)
    if len(cleaned) > _MAX_SUBJECTS:
        raise InvalidInputError(f"At most {_MAX_SUBJECTS} subjects are supported.")
    return cleaned


def _local_profile(repository: ProfileRepository) -> UserProfile:
    """The one local profile, created if missing. The app and the worker both start on a new data
    directory at once: a unique index admits one owner, so the second insert adds nothing."""
    profile = repository.local_owner()
    if profile is None:
        repository.create_local_owner(_login_display_name())
        profile = repository.local_owner()
        assert profile is not None
    return profile


class ProfileService:
    def __init__(self, database: Database) -> None:
        self.database = database
        self._listeners: list[Callable[[ProfileDTO], None]] = []

    def on_change(self, listener: Callable[[ProfileDTO], None]) -> None:
        """Call `listener` after each committed profile update (to drop what caches the name)."""
        self._listeners.append(listener)

    def ensure_local_profile(self) -> ProfileDTO:
        """The student's profile; the first call on a new data directory creates it."""
        with self.database.unit_of_work() as session:
            profile = _local_profile(ProfileRepository(session))
            session.refresh(profile)
            return _to_dto(profile)

    def update_profile(self, *, display_name: str | None = None,
                       subjects: list[str] | tuple[str, ...] | None = None) -> ProfileDTO:
        updated = self._update(display_name, subjects)
        # After the commit, so a listener that reads the profile again sees the change.
        for listener in self._listeners:
            listener(updated)
        return updated

    def _update(self, display_name: str | None, subjects: list[str] | tuple[str, ...] | None) -> ProfileDTO:
        with self.database.unit_of_work() as session:
            profile = _local_profile(ProfileRepository(session))
            if display_name is not None:
                name = " ".join(display_name.split())
                if not name:
                    raise InvalidInputError("Your name cannot be empty.")
                if len(name) > _MAX_NAME_LENGTH:
                    raise InvalidInputError(f"Your name can have at most {_MAX_NAME_LENGTH} characters.")
                profile.display_name = name
            if subjects is not None:
                profile.subjects = _clean_subjects(subjects)
            session.flush()
            session.refresh(profile)
            return _to_dto(profile)
