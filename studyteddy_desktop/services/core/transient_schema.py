"""Where the mode without Redis keeps work in flight: a schema of its own, which backups leave out.

The queue, the worker's events and the shared flags are not the student's data. Kept out of the
public schema, a backup never carries old jobs or event ids, and a restore (which drops and rebuilds
the public schema) never pulls the tables from under a running worker.
"""

from __future__ import annotations

import psycopg

TRANSIENT_SCHEMA = "studyteddy_transient"


def create_transient_schema(conn: psycopg.Connection) -> None:
    """Make the schema if it is missing; call inside the caller's advisory-locked transaction."""
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {TRANSIENT_SCHEMA}")
