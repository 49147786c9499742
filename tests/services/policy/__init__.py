"""Tests of the machine-wide school policy."""
