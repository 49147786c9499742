"""Lifecycle of the bundled PostgreSQL, Redis and worker processes."""
