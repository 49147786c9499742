"""The HTTP API: the FastAPI application, its dependencies and one module of routes per resource."""
