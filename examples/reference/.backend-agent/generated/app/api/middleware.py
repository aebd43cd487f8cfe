"""ASGI middleware: a request id on every request, a cap on body size, HEAD answered like
GET, and a JSON 500 for what nothing else caught.

One layer for all four: each layer of middleware costs every request a call and a wrapped
`send`, more than the work these do.
"""

import logging
import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.logging import request_id

REQUEST_ID_HEADER = b"x-request-id"
INTERNAL_ERROR = b'{"detail":"internal error"}'
TOO_LARGE = b'{"detail":"request body too large"}'

logger = logging.getLogger(__name__)


class RequestMiddleware:
    """Around every HTTP request, outermost first:

    - takes the caller's X-Request-ID (or makes one), logs with it and echoes it back;
    - logs an error nothing handled and answers it with a JSON 500, keeping the connection
      usable (the server would close it after its own plain-text 500);
    - answers 413 to a body over `max_bytes`, declared or streamed, before anything parses it;
    - answers HEAD with what GET would, headers only (RFC 9110), wherever GET is served.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        given = headers.get(REQUEST_ID_HEADER, b"").decode("latin-1")[:64]
        current = given or secrets.token_hex(16)
        echoed = (REQUEST_ID_HEADER, current.encode("latin-1"))
        head = scope["method"] == "HEAD"
        started = False

        async def answer(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), echoed]
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        token = request_id.set(current)
        try:
            declared = headers.get(b"content-length")
            if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
                await send_json(answer, 413, TOO_LARGE)
                return
            if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
                body = await self._read_streamed(receive, answer)
                if body is None:
                    return
                receive = _replay(body, receive)
            if head:
                scope = {**scope, "method": "GET"}
            await self.app(scope, receive, answer)
        except Exception:
            logger.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if started:
                raise
            await send_json(answer, 500, INTERNAL_ERROR)
        finally:
            request_id.reset(token)

    async def _read_streamed(self, receive: Receive, send: Send) -> bytes | None:
        """A streamed body has no declared size: read it here, within the limit, to hand it
        on whole (an error raised while the app reads it would become a 400). None: answered
        413, or the client went away. (The server holds a declared body to its length.)"""
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None
            chunks.append(message.get("body", b""))
            received += len(chunks[-1])
            if received > self.max_bytes:
                await send_json(send, 413, TOO_LARGE)
                return None
            if not message.get("more_body", False):
                return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive channel that yields `body` once, then what the client sends next."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def send_json(send: Send, status: int, body: bytes) -> None:
    """A whole JSON answer, sent from middleware (nothing below it has answered)."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
