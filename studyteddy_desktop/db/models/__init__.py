"""Every mapped table; importing this package makes `Base.metadata` complete."""

from studyteddy_desktop.db.base import Base
from studyteddy_desktop.db.models.documents import Document, DocumentChunk
from studyteddy_desktop.db.models.flashcards import Flashcard, FlashcardDeck, ReviewLog
from studyteddy_desktop.db.models.jobs import BackgroundJob
from studyteddy_desktop.db.models.planner import Exam, StudySession, Task
from studyteddy_desktop.db.models.profile import UserProfile
from studyteddy_desktop.db.models.tutor import AIInteraction, ConversationThread

__all__ = [
    "AIInteraction",
    "BackgroundJob",
    "Base",
    "ConversationThread",
    "Document",
    "DocumentChunk",
    "Exam",
    "Flashcard",
    "FlashcardDeck",
    "ReviewLog",
    "StudySession",
    "Task",
    "UserProfile",
]
