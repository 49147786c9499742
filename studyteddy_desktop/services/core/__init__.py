"""What every feature shares: the database session, the student and profile, jobs, health, preferences."""
