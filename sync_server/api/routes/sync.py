"""The sync protocol's endpoints: push, pull, the summary check, live notices, and document blobs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated

import redis.asyncio as async_redis
from fastapi import APIRouter, Depends, Path, Query, Request, status
from fastapi.responses import FileResponse, Response, StreamingResponse

from sync_server.api.deps import Claims, Services, protocol_version
from sync_server.core.errors import ERROR_RESPONSES
from sync_server.sync.schemas import PullResponse, PushRequest, PushResponse, SyncSummary

router = APIRouter(prefix="/sync", tags=["sync"], responses=ERROR_RESPONSES,
                   dependencies=[Depends(protocol_version)])
blobs = APIRouter(prefix="/blobs", tags=["blobs"], responses=ERROR_RESPONSES)
HEARTBEAT_S = 15.0
# A blob's name is the SHA-256 of its bytes; declared, so a client sees the rule in the schema.
BlobName = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="The SHA-256 of the bytes, 64 hex digits.")]


def changes_channel(user_id) -> str:
    return f"studyteddy-server:sync:{user_id}"


@router.post("/push", response_model=PushResponse)
def push(body: PushRequest, claims: Claims, services: Services) -> PushResponse:
    """Merge the device's writes; a retry with the same push id applies nothing twice."""
    response = services.sync.push(claims.user_id, body)
    if response.applied and not response.replayed:
        try:
            services.redis.publish(changes_channel(claims.user_id), json.dumps({"cursor": response.cursor}))
        except Exception:
            # The notice is a courtesy: devices still find the change at their next pull.
            pass
    return response


@router.get("/pull", response_model=PullResponse)
def pull(claims: Claims, services: Services, cursor: int = Query(0, ge=0, le=2**62),
         limit: int = Query(200, ge=1, le=500)) -> PullResponse:
    """Records changed after `cursor`, in the order the server accepted them, one page at a time."""
    return services.sync.pull(claims.user_id, cursor, limit)


@router.get("/summary", response_model=SyncSummary)
def summary(claims: Claims, services: Services) -> SyncSummary:
    """Per collection a count and a digest: if a device's own differ, it pulls from 0 again."""
    return services.sync.summary(claims.user_id)


@router.get("/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}, "description": "Server-sent events."}})
async def events(request: Request, claims: Claims, services: Services) -> StreamingResponse:
    """Server-sent events: `changes` with the new cursor whenever another device pushed (any replica)."""
    channel = changes_channel(claims.user_id)
    client = async_redis.Redis.from_url(services.settings.redis_url)
    subscription = client.pubsub()
    await subscription.subscribe(channel)

    async def stream() -> AsyncIterator[bytes]:
        try:
            yield b"event: ready\ndata: {}\n\n"
            while not await request.is_disconnected():
                message = await subscription.get_message(ignore_subscribe_messages=True, timeout=HEARTBEAT_S)
                if message is None:
                    yield b": still here\n\n"
                    continue
                yield b"event: changes\ndata: " + bytes(message["data"]) + b"\n\n"
        finally:
            await subscription.unsubscribe(channel)
            await subscription.aclose()
            await client.aclose()

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@blobs.put("/{sha256}", status_code=status.HTTP_201_CREATED, openapi_extra={"requestBody": {
    "required": True, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}})
async def put_blob(sha256: BlobName, request: Request, claims: Claims, services: Services) -> dict[str, int]:
    """Upload a document file by the SHA-256 of its bytes (kept whole or not at all)."""
    size = await services.blobs.put(claims.user_id, sha256, request.stream())
    return {"size_bytes": size}


@blobs.get("/{sha256}", response_class=StreamingResponse,
           responses={200: {"content": {"application/octet-stream": {}}, "description": "The file's bytes."}})
def get_blob(sha256: BlobName, claims: Claims, services: Services) -> Response:
    source = services.blobs.open_for(claims.user_id, sha256)
    if source.path is not None:
        return FileResponse(source.path, media_type="application/octet-stream")
    return StreamingResponse(source.chunks, media_type="application/octet-stream")
