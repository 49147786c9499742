"""Tutor, app side: threads, questions handed to the worker, and the language model settings."""
