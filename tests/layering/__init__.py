"""Helpers for tests/test_layering.py: read a package's imports from source and check contracts on them."""
