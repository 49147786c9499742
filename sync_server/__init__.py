"""Study Teddy's sync server: accounts and a per-field merging sync store for many devices and students."""
