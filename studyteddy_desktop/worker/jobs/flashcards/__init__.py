"""Flashcards, worker side: drafting cards from passages, and keeping cards tied to their source."""
