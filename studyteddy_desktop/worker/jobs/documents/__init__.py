"""Documents, worker side: reading, chunking and embedding a file, then its summary."""
