"""Dashboard: the figures of a student's study week, cached until something changes."""
