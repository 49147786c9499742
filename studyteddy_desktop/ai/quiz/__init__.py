"""Quiz mode: questions whose answers are the passages' own sentences, graded against those sentences."""
