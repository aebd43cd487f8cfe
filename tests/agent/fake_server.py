"""An OpenAI-compatible Chat Completions server on loopback that plays a script.

`ask` talks to it exactly as to Ollama or vLLM (`OPENAI_BASE_URL`), so the whole path is
real: the OpenAI client, the SDK's Chat Completions model, streaming, retries, timeouts.
Each request takes the next reply of the script: a completion (tool calls or a message,
streamed as server-sent events when the client asks for a stream) or a fault a broken
server produces (non-JSON, HTML, no choices, a cut stream, a reset connection, silence).
"""

from __future__ import annotations

import itertools
import json
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = Callable[["_Handler", dict[str, Any]], None]
"""Answers one request; gets the handler (to write the response) and the request body."""

MODEL = "fake-coder"
_turns = itertools.count()
"""Numbers tool-call turns, so every call id is unique, as a real server's are."""


def tool_calls(*calls: tuple[str, dict[str, Any] | str]) -> Reply:
    """An assistant turn calling tools: (name, arguments as a dict or raw JSON text)."""
    turn = next(_turns)
    encoded = [
        {
            "id": f"call_{turn}_{index}_{name}",
            "type": "function",
            "function": {
                "name": name,
                "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
            },
        }
        for index, (name, arguments) in enumerate(calls)
    ]
    return _completion({"role": "assistant", "content": None, "tool_calls": encoded}, "tool_calls")


def message(text: str) -> Reply:
    """An assistant turn that answers in words and ends the run."""
    return _completion({"role": "assistant", "content": text}, "stop")


def status(code: int, body: str) -> Reply:
    """An HTTP error status with a JSON error body."""

    def reply(handler: _Handler, _request: dict[str, Any]) -> None:
        handler.send(code, json.dumps({"error": {"message": body}}), "application/json")

    return reply


def raw(body: str, content_type: str = "text/plain") -> Reply:
    """A 200 whose body is whatever is given (not a completion)."""

    def reply(handler: _Handler, _request: dict[str, Any]) -> None:
        handler.send(200, body, content_type)

    return reply


def empty_choices() -> Reply:
    """A well-formed completion with no choices, as some proxies send on errors."""

    def reply(handler: _Handler, request: dict[str, Any]) -> None:
        body = {**_envelope(), "object": "chat.completion", "choices": []}
        if request.get("stream"):
            handler.stream([{**_envelope(), "choices": []}], done=True)
        else:
            handler.send(200, json.dumps(body), "application/json")

    return reply


def truncated_stream() -> Reply:
    """A stream that stops half-way: a first delta, then the connection closes."""

    def reply(handler: _Handler, _request: dict[str, Any]) -> None:
        first = {"role": "assistant", "content": "I will now add the"}
        handler.stream([_chunk(first, None)], done=False)
        handler.reset()

    return reply


def connection_reset() -> Reply:
    """The server drops the connection without answering."""

    def reply(handler: _Handler, _request: dict[str, Any]) -> None:
        handler.reset()

    return reply


def silence(seconds: float) -> Reply:
    """The server accepts the request and says nothing for `seconds`."""

    def reply(handler: _Handler, _request: dict[str, Any]) -> None:
        handler.server_state.release.wait(seconds)

    return reply


@dataclass
class _State:
    replies: list[Reply]
    requests: list[dict[str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_reply(self, request: dict[str, Any]) -> Reply:
        with self.lock:
            self.requests.append(request)
            index = len(self.requests) - 1
        if index < len(self.replies):
            return self.replies[index]
        return status(500, "the fake server's script has no reply left")


class _Handler(BaseHTTPRequestHandler):
    server_state: _State
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        request = json.loads(self.rfile.read(length) or b"{}")
        self.server_state.next_reply(request)(self, request)

    def send(self, code: int, body: str, content_type: str) -> None:
        data = body.encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def stream(self, chunks: list[dict[str, Any]], *, done: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        for chunk in chunks:
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
        if done:
            self.wfile.write(b"data: [DONE]\n\n")
        self.close_connection = True

    def reset(self) -> None:
        """Close with RST instead of FIN: the client sees 'connection reset by peer'."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read the recorded requests instead."""


@dataclass
class FakeServer:
    url: str
    """The base URL to put in OPENAI_BASE_URL (ends in /v1)."""
    state: _State

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every request body received, in order."""
        return self.state.requests


@contextmanager
def fake_server(replies: list[Reply]) -> Iterator[FakeServer]:
    """Serve `replies` in order on a free loopback port until the block ends."""
    state = _State(list(replies))
    handler = type("Handler", (_Handler,), {"server_state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield FakeServer(f"http://127.0.0.1:{server.server_address[1]}/v1", state)
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()


def _envelope() -> dict[str, Any]:
    return {"id": "chatcmpl-fake", "created": 0, "model": MODEL}


def _chunk(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        **_envelope(),
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


USAGE = {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}


def _completion(assistant: dict[str, Any], finish: str) -> Reply:
    def reply(handler: _Handler, request: dict[str, Any]) -> None:
        if not request.get("stream"):
            body = {
                **_envelope(),
                "object": "chat.completion",
                "choices": [{"index": 0, "message": assistant, "finish_reason": finish}],
                "usage": USAGE,
            }
            handler.send(200, json.dumps(body), "application/json")
            return
        delta: dict[str, Any] = {"role": "assistant", "content": assistant.get("content")}
        if "tool_calls" in assistant:
            delta["tool_calls"] = [
                {**call, "index": index} for index, call in enumerate(assistant["tool_calls"])
            ]
        final = _chunk({}, finish)
        usage = {**_envelope(), "object": "chat.completion.chunk", "choices": [], "usage": USAGE}
        handler.stream([_chunk(delta, None), final, usage], done=True)

    return reply
