"""Blocking call in helper: an `async def` calls a project function that blocks.

What it finds:
    In an `async def`: a call to a plain `def` of the project (same module or imported)
    whose own body makes a blocking call: `time.sleep`, `open`, `subprocess`, `requests`,
    sync `httpx`, `urllib`, a sync database driver or session (as in `BA206`). One call
    deep: the helper's own helpers are not followed.

Why it matters:
    ruff's ASYNC2xx rules see `time.sleep()` written inside the coroutine, not one line
    away in a helper; the event loop stops all the same, for every request on the worker.

Example:
    def load_template(name: str) -> str:
        with open(TEMPLATES / name) as handle:
            return handle.read()

    async def send_welcome(user: User) -> None:
        body = load_template("welcome.txt")

Use instead:
    async def send_welcome(user: User) -> None:
        body = await anyio.to_thread.run_sync(load_template, "welcome.txt")
    # or make the helper async with an async library.

Fix safety:
    No automatic fix: whether to thread the call or rewrite the helper is a choice.

Known limits:
    Methods (`self.helper()`) and helpers from installed libraries are not followed;
    only the first blocking call of a helper is named.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_agent.audit.knowledge import BLOCKING_CALLS
from backend_agent.audit.parsed_module import Function, ParsedModule, Violation
from backend_agent.audit.rules.sync_db_in_async import blocking_db_calls


def check(module: ParsedModule) -> Iterator[Violation]:
    """Report calls from coroutines to project helpers that block."""
    codebase = module.codebase
    if module.is_test or module.is_script:
        return
    for function in module.all_functions:
        if not isinstance(function, ast.AsyncFunctionDef):
            continue
        for node in module.calls_in(function):
            name = module.resolve(node.func)
            if name is None or not codebase.is_local(name):
                continue
            found = codebase.function(name)
            if found is None or isinstance(found[1], ast.AsyncFunctionDef):
                continue
            blocking = _first_blocking(*found)
            if blocking is not None:
                helper = found[1].name
                yield module.violation(
                    node,
                    f"`{helper}()` blocks the event loop in `{function.name}`: {blocking}",
                    f"Run it with `await anyio.to_thread.run_sync({helper}, ...)` "
                    f"or make `{helper}` async",
                )


def _first_blocking(owner: ParsedModule, helper: Function) -> str | None:
    return owner.codebase.memo("blocks", helper, lambda: _blocking(owner, helper))


def _blocking(owner: ParsedModule, helper: Function) -> str | None:
    result = None
    for node in owner.calls_in(helper):
        name = owner.resolve(node.func)
        if name in BLOCKING_CALLS:
            result = f"it calls `{name}()` at {owner.relative}:{node.lineno}"
            break
    if result is None:
        for call, what in blocking_db_calls(owner, helper):
            result = f"it calls {what} at {owner.relative}:{call.lineno}"
            break
    return result
