"""Desktop sync: change tracking read back, pushes, pulls, conflicts, the account and its token."""
