"""Tests of the document services."""
