"""Tests of the pipelines the worker runs."""
