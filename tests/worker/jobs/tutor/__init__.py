"""Tests of the tutor answers the worker writes."""
