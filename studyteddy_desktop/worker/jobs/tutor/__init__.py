"""Tutor, worker side: writing one grounded answer as a stream of events."""
