"""Our fix for ruff's T201 (`print`): log through the module's logger instead of deleting.

ruff's own fix removes the `print`, and the output with it. This one keeps the output
and routes it through logging, where levels, handlers and request ids apply:
`print("saved", user.id)` becomes `logger.info("%s %s", "saved", user.id)`, and the
module gains `logger = logging.getLogger(__name__)` (and `import logging`) when it has
no logger yet. It is unsafe, like ruff's: the text now goes to the log, not to stdout.
"""

from __future__ import annotations

import ast

from backend_agent.audit.finding import Applicability, Edit, Finding, Fix
from backend_agent.audit.parsed_module import ParsedModule

_GET_LOGGER = "logging.getLogger"
_LOGGER = "logger"


def logger_fix(module: ParsedModule, finding: Finding) -> Fix | None:
    """The fix for a T201 finding in `module`, or None when its meaning would be unsure.

    No fix for `print(..., file=/sep=/end=)` or starred arguments (the log line would
    differ), nor when `logger` names something else, nor for a `print` that runs before
    the place the logger would be defined.
    """
    call = _print_at(module, finding)
    if call is None or call.keywords or any(isinstance(a, ast.Starred) for a in call.args):
        return None
    name = _existing_logger(module)
    edits: list[Edit] = []
    if name is None:
        definition = _define_logger(module)
        if definition is None or definition.line > call.lineno:
            return None
        name = _LOGGER
        edits.append(definition)
    span = module.violation(call, "", "")
    edits.append(
        Edit(span.line, span.column, span.end_line, span.end_column, _log_call(module, name, call))
    )
    return Fix(Applicability.UNSAFE, tuple(edits))


def _print_at(module: ParsedModule, finding: Finding) -> ast.Call | None:
    for calls in module.calls.values():
        for call in calls:
            if (
                call.lineno == finding.line
                and module.column(call.lineno, call.col_offset) == finding.column
                and module.resolve(call.func) == "builtins.print"
            ):
                return call
    return None


def _existing_logger(module: ParsedModule) -> str | None:
    for name, value in module.assignments.items():
        if isinstance(value, ast.Call) and module.resolve(value.func) == _GET_LOGGER:
            return name
    return None


def _define_logger(module: ParsedModule) -> Edit | None:
    """`logger = logging.getLogger(__name__)` after the module's imports (and the import)."""
    taken = module.imports.keys() | module.assignments.keys() | module.functions.keys()
    if _LOGGER in taken or _LOGGER in module.classes:
        return None
    body = module.tree.body
    imports = [s for s in body if isinstance(s, ast.Import | ast.ImportFrom)]
    if imports:
        anchor = imports[-1].end_lineno or imports[-1].lineno
    elif body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        anchor = body[0].end_lineno or body[0].lineno
    else:
        anchor = 0
    needs_import = module.imports.get("logging") != "logging"
    content = ("import logging\n" if needs_import else "") + (
        f"\n{_LOGGER} = logging.getLogger(__name__)\n"
    )
    return Edit(anchor + 1, 1, anchor + 1, 1, content)


def _log_call(module: ParsedModule, name: str, call: ast.Call) -> str:
    arguments = [module.source(argument) for argument in call.args]
    if not arguments:
        return f'{name}.info("")'
    if len(call.args) == 1 and _is_text(call.args[0]):
        return f"{name}.info({arguments[0]})"
    placeholders = " ".join(["%s"] * len(arguments))
    return f'{name}.info("{placeholders}", {", ".join(arguments)})'


def _is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )
