"""Reading and creating the local user profile."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from studyteddy_desktop.db.models import UserProfile


class ProfileRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def first_live(self) -> UserProfile | None:
        statement = (sa.select(UserProfile).where(UserProfile.deleted_at.is_(None))
                     .order_by(UserProfile.created_at).limit(1))
        return self.session.scalars(statement).first()

    def add(self, profile: UserProfile) -> UserProfile:
        self.session.add(profile)
        self.session.flush()
        return profile
