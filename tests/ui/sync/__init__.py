"""Tests of the sync UI against real sync servers."""
