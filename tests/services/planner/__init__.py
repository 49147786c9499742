"""Tests of the planner services."""
