"""Repositories: queries over one session; they never commit."""
