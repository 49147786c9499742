"""Database layer: declarative models, schema migrations and migration helpers."""
