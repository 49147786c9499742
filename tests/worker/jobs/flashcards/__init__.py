"""Tests of the flashcard pipelines the worker runs."""
