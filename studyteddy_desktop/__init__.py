"""Study Teddy: a local-first AI study companion."""

__version__ = "0.1.0"
