"""Alembic migration environment and revision scripts for the local database."""
