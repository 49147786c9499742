"""Reading and creating the local user profile."""

from __future__ import annotations

from studyteddy_desktop.db.models import UserProfile
from studyteddy_desktop.db.repositories.base import RepositoryBase, SoftDeletionMixin


class ProfileRepository(SoftDeletionMixin[UserProfile], RepositoryBase[UserProfile]):
    model = UserProfile

    def first_live(self) -> UserProfile | None:
        return self.get_one_or_none(self.get_base_statement().order_by(UserProfile.created_at).limit(1))
