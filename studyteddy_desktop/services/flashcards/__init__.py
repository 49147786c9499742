"""Flashcards, app side: decks and cards, reviews on FSRS, card drafts to accept, Anki and CSV exchange."""
