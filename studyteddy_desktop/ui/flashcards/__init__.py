"""Widgets of the Flashcards pane: card browser, editor, review session."""
