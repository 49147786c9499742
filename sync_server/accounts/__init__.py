"""Accounts, device sessions and refresh tokens, classes, and the admin's roster import."""
