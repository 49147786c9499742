"""Reading and creating the local user profile."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from studyteddy_desktop.db.models import UserProfile
from studyteddy_desktop.db.repositories.base import RepositoryBase, SoftDeletionMixin


class ProfileRepository(SoftDeletionMixin[UserProfile], RepositoryBase[UserProfile]):
    model = UserProfile

    def local_owner(self) -> UserProfile | None:
        """The profile that owns this installation's data; the schema allows at most one."""
        return self.get_one_or_none(sa.select(UserProfile).where(UserProfile.is_local_owner))

    def create_local_owner(self, display_name: str) -> None:
        """Insert the owner unless one exists; a concurrent creator's row wins without an error."""
        self.session.execute(
            insert(UserProfile)
            .values(id=uuid.uuid4(), display_name=display_name, subjects=[], settings={}, is_local_owner=True)
            .on_conflict_do_nothing(index_elements=[UserProfile.is_local_owner],
                                    index_where=UserProfile.is_local_owner))
