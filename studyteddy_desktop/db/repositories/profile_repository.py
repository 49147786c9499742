"""Reading and creating the local user profile."""

from __future__ import annotations

import sqlalchemy as sa

from studyteddy_desktop.db.models import UserProfile
from studyteddy_desktop.db.repositories.base import RepositoryBase, SoftDeletionMixin


# An arbitrary constant shared by every process on this database: the app, the worker, the CLI.
_PROFILE_CREATION_LOCK = 0x5354_5052_4F46  # "STPROF"


class ProfileRepository(SoftDeletionMixin[UserProfile], RepositoryBase[UserProfile]):
    model = UserProfile

    def first_live(self) -> UserProfile | None:
        # The id breaks a tie: rows one transaction made share created_at.
        return self.get_one_or_none(self.get_base_statement().order_by(UserProfile.created_at, UserProfile.id)
                                    .limit(1))

    def lock_profile_creation(self) -> None:
        """Hold, until the transaction ends, the lock every creator of the local profile takes first."""
        self.session.execute(sa.select(sa.func.pg_advisory_xact_lock(_PROFILE_CREATION_LOCK)))
