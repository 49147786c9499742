"""The FastAPI application: services built once per process, routes under /v1, one error shape."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import redis
import sqlalchemy as sa
from fastapi import FastAPI

from studyteddy_desktop.services.core.database import Database
from sync_server.accounts.administration import AccountAdministration
from sync_server.accounts.sessions import SessionService
from sync_server.api.deps import ServerServices
from sync_server.api.middleware import RequestGuard
from sync_server.api.routes import admin, auth, health, sync
from sync_server.core.config import PROTOCOL_VERSION, ServerSettings
from sync_server.core.errors import install_error_handlers
from sync_server.core.rate_limit import RateLimiter
from sync_server.core.security import AccessTokens
from sync_server.sync.blob_store import BlobStore, S3Blobs
from sync_server.sync.service import SyncService

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Connections per process: a replica runs `workers` processes, each with this pool (see the admin guide).
DATABASE_POOL_SIZE = 10


def build_services(settings: ServerSettings) -> ServerServices:
    engine = sa.create_engine(settings.database_url, pool_pre_ping=True, pool_size=DATABASE_POOL_SIZE,
                              max_overflow=0, pool_timeout=10)
    database = Database(settings.database_url, engine=engine)
    tokens = AccessTokens(settings.secret_key, settings.audience, settings.access_token_seconds)
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=5, health_check_interval=30)
    return ServerServices(settings=settings, database=database, redis=client, tokens=tokens,
                          sessions=SessionService(database, tokens, settings.session_days),
                          accounts=AccountAdministration(database),
                          sync=SyncService(database, settings.limits),
                          blobs=BlobStore(database, settings.blob_dir, settings.limits.max_blob_bytes,
                                          S3Blobs(settings.s3_bucket, settings.s3_endpoint_url)
                                          if settings.s3_bucket else None),
                          limiter=RateLimiter(client))


def create_app(settings: ServerSettings) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = build_services(settings)
        try:
            yield
        finally:
            app.state.services.close()

    app = FastAPI(title="Study Teddy sync server", version=f"protocol {PROTOCOL_VERSION}", lifespan=lifespan,
                  description="Accounts, device sessions and the per-field merging sync store of Study Teddy. "
                              "Every error answers `{\"error\": {\"code\", \"message\"}}`.")
    install_error_handlers(app)
    for router in (auth.router, admin.router, sync.router, sync.blobs):
        app.include_router(router, prefix="/v1")
    app.include_router(health.router)
    app.add_middleware(RequestGuard, max_body_bytes=settings.limits.max_body_bytes,
                       max_blob_bytes=settings.limits.max_blob_bytes)
    return app


def create_app_from_environment() -> FastAPI:
    """uvicorn's factory for worker processes: the settings, and the log format, travel in the environment."""
    # A worker process spawned by uvicorn starts with no logging set up: without this, its one line
    # per request would go nowhere whenever --workers is above 1.
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    return create_app(ServerSettings.from_environment())
