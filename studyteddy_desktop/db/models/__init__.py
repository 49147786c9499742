"""Every mapped table; importing this package makes `Base.metadata` complete."""

from studyteddy_desktop.db.base import Base
from studyteddy_desktop.db.models.accounts import ClassMembership, DeviceSession, RefreshToken, SchoolClass
from studyteddy_desktop.db.models.analytics import AnalyticsSnapshot
from studyteddy_desktop.db.models.documents import Document, DocumentChunk, DocumentPage
from studyteddy_desktop.db.models.flashcards import Flashcard, FlashcardDeck, ReviewLog
from studyteddy_desktop.db.models.jobs import BackgroundJob
from studyteddy_desktop.db.models.planner import Exam, FocusTimer, StudySession, Task
from studyteddy_desktop.db.models.profile import UserProfile
from studyteddy_desktop.db.models.sync_local import (
    SyncDevice,
    SyncInboxRecord,
    SyncLocalRecord,
    SyncOutgoingPush,
    SyncUploadedFile,
)
from studyteddy_desktop.db.models.sync_records import StoredBlob, SyncCounter, SyncPush, SyncRecord
from studyteddy_desktop.db.models.tutor import AIInteraction, ConversationThread

__all__ = [
    "AIInteraction",
    "AnalyticsSnapshot",
    "BackgroundJob",
    "Base",
    "ClassMembership",
    "ConversationThread",
    "DeviceSession",
    "Document",
    "DocumentChunk",
    "DocumentPage",
    "Exam",
    "Flashcard",
    "FlashcardDeck",
    "FocusTimer",
    "RefreshToken",
    "ReviewLog",
    "SchoolClass",
    "StoredBlob",
    "StudySession",
    "SyncCounter",
    "SyncDevice",
    "SyncInboxRecord",
    "SyncLocalRecord",
    "SyncOutgoingPush",
    "SyncPush",
    "SyncRecord",
    "SyncUploadedFile",
    "Task",
    "UserProfile",
]
