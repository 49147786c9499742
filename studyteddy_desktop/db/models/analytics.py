"""When the study-analytics materialised view was last refreshed, kept with the view it describes."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from studyteddy_desktop.db.base import Base

DAILY_ACTIVITY_VIEW = "user_daily_activity"


class AnalyticsSnapshot(Base):
    """One row per materialised view: the transaction time of its last refresh.

    Written in the same transaction as the REFRESH, so readers know exactly which days the
    view covers and read newer days live from the tables.
    """

    __tablename__ = "analytics_snapshots"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    refreshed_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"AnalyticsSnapshot(name={self.name!r}, refreshed_at={self.refreshed_at!s})"
