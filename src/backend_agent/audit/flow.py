"""Walk one function's body knowing where each node runs: in a loop, a `finally`, a transaction.

Nested functions, lambdas and classes are not entered: their bodies run elsewhere.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, replace

from backend_agent.audit.parsed_module import Function

Loop = ast.For | ast.AsyncFor | ast.While
_TRANSACTION_METHODS = frozenset({"start_transaction", "transaction", "begin", "with_transaction"})
_EXITS = (ast.Break, ast.Return, ast.Raise, ast.Continue)


@dataclass(frozen=True)
class Flow:
    """Where a node sits in its function."""

    loop: Loop | None = None
    """The innermost loop whose body holds the node (not its `else`)."""
    finally_of: ast.Try | None = None
    """The innermost `try` whose `finally` block holds the node."""
    in_transaction: bool = False
    """Inside `with x.begin()/.transaction()/.start_transaction()`: writes there are atomic."""
    leaves_block: bool = False
    """A `break`/`return`/`raise`/`continue` follows the statement in its block (one-shot)."""
    branches: tuple[tuple[int, int], ...] = ()
    """(id of an `if`/`try`/`match`, branch taken) for each branching statement around the node."""
    guarded: ast.Try | ast.TryStar | None = None
    """The innermost `try` whose body holds the node, inside the innermost loop."""
    batched: bool = False
    """Under an `if` in the innermost loop that counts (`i % 100 == 0`, `len(batch) >= n`):
    work done once per batch, not per iteration."""

    def exclusive_with(self, other: Flow) -> bool:
        """Whether the nodes sit in different branches of one `if`/`try`/`match` (exclusive)."""
        mine = dict(self.branches)
        return any(key in mine and mine[key] != side for key, side in other.branches)


def walk_flow(function: Function) -> Iterator[tuple[ast.AST, Flow]]:
    """Every node of the function's body with its flow context, in source order."""
    yield from _block(function.body, Flow())


def _block(statements: list[ast.stmt], flow: Flow) -> Iterator[tuple[ast.AST, Flow]]:
    for index, statement in enumerate(statements):
        leaves = any(isinstance(later, _EXITS) for later in statements[index + 1 :])
        yield from _statement(statement, replace(flow, leaves_block=leaves))


def _statement(statement: ast.stmt, flow: Flow) -> Iterator[tuple[ast.AST, Flow]]:
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return
    yield statement, flow
    if isinstance(statement, ast.For | ast.AsyncFor | ast.While):
        head = statement.test if isinstance(statement, ast.While) else statement.iter
        yield from _expression(head, flow)
        inner = replace(flow, loop=statement, guarded=None, batched=False)
        yield from _block(statement.body, inner)
        yield from _block(statement.orelse, flow)
    elif isinstance(statement, ast.Try | ast.TryStar):
        guarded = replace(_branch(flow, statement, 0), guarded=statement)
        yield from _block(statement.body, guarded)
        for number, handler in enumerate(statement.handlers, start=1):
            yield from _block(handler.body, _branch(flow, statement, number))
        yield from _block(statement.orelse, flow)
        if isinstance(statement, ast.Try):
            yield from _block(statement.finalbody, replace(flow, finally_of=statement))
        else:
            yield from _block(statement.finalbody, flow)
    elif isinstance(statement, ast.With | ast.AsyncWith):
        transaction = flow.in_transaction
        for item in statement.items:
            yield from _expression(item.context_expr, flow)
            transaction = transaction or _opens_transaction(item.context_expr)
        yield from _block(statement.body, replace(flow, in_transaction=transaction))
    elif isinstance(statement, ast.If):
        yield from _expression(statement.test, flow)
        batched = replace(flow, batched=flow.batched or _counts(statement.test))
        yield from _block(statement.body, _branch(batched, statement, 0))
        yield from _block(statement.orelse, _branch(flow, statement, 1))
    elif isinstance(statement, ast.Match):
        yield from _expression(statement.subject, flow)
        for number, case in enumerate(statement.cases):
            yield from _block(case.body, _branch(flow, statement, number))
    else:
        for child in ast.iter_child_nodes(statement):
            yield from _expression(child, flow)


def _counts(test: ast.expr) -> bool:
    """A test on a counter: a modulo, or a comparison with a `len(...)`."""
    for node in ast.walk(test):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            return True
        if isinstance(node, ast.Compare) and any(
            isinstance(side, ast.Call) and isinstance(side.func, ast.Name) and side.func.id == "len"
            for side in (node.left, *node.comparators)
        ):
            return True
    return False


def _branch(flow: Flow, statement: ast.stmt, side: int) -> Flow:
    return replace(flow, branches=(*flow.branches, (id(statement), side)))


def _expression(node: ast.AST, flow: Flow) -> Iterator[tuple[ast.AST, Flow]]:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Lambda):
            continue
        yield current, flow
        stack.extend(reversed(list(ast.iter_child_nodes(current))))


def _opens_transaction(node: ast.expr) -> bool:
    if isinstance(node, ast.Await):
        node = node.value
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in _TRANSACTION_METHODS
    )


def call_statement(statement: ast.stmt | None, call: ast.Call) -> bool:
    """Whether `statement` is just `call` (or `await call`) as an expression statement."""
    if not isinstance(statement, ast.Expr):
        return False
    value = statement.value.value if isinstance(statement.value, ast.Await) else statement.value
    return value is call


def first_pair(found: list[tuple[ast.Call, Flow]]) -> tuple[ast.Call, ast.Call] | None:
    """The first two calls that can both run in one pass through the function."""
    for index, (later, later_flow) in enumerate(found):
        for earlier, earlier_flow in found[:index]:
            if not earlier_flow.exclusive_with(later_flow) and not earlier_flow.leaves_block:
                return earlier, later
    return None
