"""Tests of the shared core services."""
