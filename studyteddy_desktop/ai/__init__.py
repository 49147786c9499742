"""Local models: locating, loading and running the embedder and the LLM."""
