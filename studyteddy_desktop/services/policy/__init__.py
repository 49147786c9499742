"""The machine-wide policy a school sets: what it fixes, where it is read from, what it refuses."""
