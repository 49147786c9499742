"""The Settings widgets for local backups."""
