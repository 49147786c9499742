"""Tests of the document pipelines the worker runs."""
