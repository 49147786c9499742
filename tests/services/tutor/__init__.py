"""Tests of the tutor services."""
