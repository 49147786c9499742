"""Local backups: daily and pre-upgrade snapshots of the profile, kept and restored."""
