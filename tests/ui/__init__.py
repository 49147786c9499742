"""Tests for Study Teddy."""
