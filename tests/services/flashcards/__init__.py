"""Tests of the flashcard services."""
