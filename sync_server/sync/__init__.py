"""The sync store: pushes merged per field into each user's records, pulls by the user's own sequence."""
