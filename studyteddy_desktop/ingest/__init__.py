"""Turning imported files into normalised page text and retrieval-sized chunks."""
