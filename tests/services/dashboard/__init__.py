"""Tests of the dashboard service."""
