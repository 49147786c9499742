"""Liveness, readiness (the database and Redis answer) and Prometheus metrics."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse

from sync_server.api.deps import Services
from sync_server.api.metrics import render_metrics

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(services: Services) -> JSONResponse:
    """Ready to serve: PostgreSQL and Redis both answer (a load balancer's check)."""
    checks: dict[str, str] = {}
    try:
        with services.database.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:
        checks["database"] = f"unavailable: {type(error).__name__}"
    try:
        services.redis.ping()
        checks["redis"] = "ok"
    except Exception as error:
        checks["redis"] = f"unavailable: {type(error).__name__}"
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                        status_code=200 if ready else 503)


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(services: Services) -> PlainTextResponse:
    """Requests, latency, queue depth and sync lag, in Prometheus' text format (this process only)."""
    return PlainTextResponse(render_metrics(services), media_type="text/plain; version=0.0.4")
