"""Every request gets an id, a size limit and one log line; the latency goes to the metrics."""

from __future__ import annotations

import json
import logging
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync_server.api.metrics import REQUEST_METRICS

log = logging.getLogger("sync_server.requests")
REQUEST_ID_HEADER = b"x-request-id"


def _too_large(limit: int) -> bytes:
    return json.dumps({"error": {"code": "too_large",
                                 "message": f"The request body is larger than the limit of {limit} bytes."}}).encode()


class RequestGuard:
    """Pure ASGI, so it also covers streamed bodies and the server-sent events."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_blob_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_blob_bytes = max_blob_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = dict(scope.get("headers") or [])
        given = headers.get(REQUEST_ID_HEADER, b"")[:64].decode("ascii", "replace")
        request_id = given if given and given.isprintable() else uuid.uuid4().hex
        limit = self.max_blob_bytes if scope["path"].startswith("/v1/blobs/") else self.max_body_bytes
        status = {"code": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (REQUEST_ID_HEADER, request_id.encode())]
            await send(message)

        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send_with_id, limit)
        else:
            received = {"bytes": 0}

            async def counted_receive() -> Message:
                message = await receive()
                if message["type"] == "http.request":
                    received["bytes"] += len(message.get("body", b""))
                    if received["bytes"] > limit:
                        raise _BodyTooLarge()
                return message

            try:
                await self.app(scope, counted_receive, send_with_id)
            except _BodyTooLarge:
                await self._refuse(send_with_id, limit)
        elapsed = time.perf_counter() - started
        route = scope.get("route")
        route_path = getattr(route, "path", None) or "unmatched"
        REQUEST_METRICS.observe(scope["method"], route_path, status["code"], elapsed)
        log.info("%s %s %s %d %.1fms", request_id, scope["method"], scope["path"], status["code"], elapsed * 1000)

    async def _refuse(self, send: Send, limit: int) -> None:
        body = _too_large(limit)
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class _BodyTooLarge(Exception):
    pass
