"""Parse any Python 3.8-3.14 file into this interpreter's `ast`, and judge it by the target.

CPython's own parser runs first: it is fast, and on most files it is all that runs. For
a file it rejects, tree-sitter's Python grammar (a few milliseconds a file) locates the
constructs newer than this interpreter (type parameters, `type` aliases, `except A, B`
without parentheses, PEP 701 f-strings, t-strings); they are rewritten into older forms
of the same length on the same lines, so every other position stays exact, and CPython
parses the result. A file is a syntax error (BA001) only when CPython rejects it after
that, or when it needs a newer Python than the project targets.
"""

from __future__ import annotations

import ast
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import tree_sitter_python
from tree_sitter import Language, Node, Parser, Query, QueryCursor

Version = tuple[int, int]
LATEST: Version = (3, 14)
"""The newest grammar the auditor knows; the target when a project declares none."""
_RUNNING: Version = (sys.version_info.major, sys.version_info.minor)
_PASSES = 3
"""A literal nested in another one's expression is rewritten in a later pass."""
_LANGUAGE = Language(tree_sitter_python.language())
_NEWER = Query(
    _LANGUAGE,
    """
    (function_definition type_parameters: (_) @parameters)
    (class_definition type_parameters: (_) @parameters)
    (type_alias_statement) @alias
    (except_clause) @handler
    (string) @string
    (concatenated_string) @string
    """,
)
_CONVERSIONS = frozenset({b"!r", b"!s", b"!a"})


@dataclass(frozen=True)
class SyntaxProblem:
    """Why a file is a syntax error for its project, and where."""

    message: str
    """The parser's words, or the construct and the version it needs."""
    line: int
    """Line, from 1."""
    column: int
    """Column, from 1."""


@dataclass(frozen=True)
class ParsedSource:
    """The outcome of parsing one file."""

    tree: ast.Module | None
    """The syntax tree; None when the file does not parse."""
    problem: SyntaxProblem | None
    """Set when the file is invalid for the project's target version (or for every one)."""


def parse_source(text: str, target: Version | None) -> ParsedSource:
    """Parse `text`, valid for any Python from 3.8 to 3.14, whatever interpreter runs this.

    Args:
        text: The source.
        target: The oldest Python the project supports (None: any version will do).
    """
    wanted = min(target or LATEST, _RUNNING)
    try:
        return ParsedSource(_parse(text, wanted), None)
    except SyntaxError as error:
        first = error
    if wanted < _RUNNING:
        try:
            tree = _parse(text, _RUNNING)
        except SyntaxError:
            pass
        else:
            return ParsedSource(tree, _problem(first, target))
    source = text.encode("utf-8")
    found: list[_Newer] = []
    for _ in range(_PASSES):
        edits = list(_rewrites(source, found))
        if not edits:
            break
        source = _apply(source, edits)
        try:
            tree = _parse(source.decode("utf-8"), _RUNNING)
        except SyntaxError as error:
            first = error
            continue
        too_new = [item for item in found if target is not None and item.version > target]
        if not too_new:
            return ParsedSource(tree, None)
        return ParsedSource(tree, _too_new(text, too_new[0], target or LATEST))
    return ParsedSource(None, _problem(first, None))


def _parse(text: str, version: Version) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text, feature_version=version)


def _problem(error: SyntaxError, target: Version | None) -> SyntaxProblem:
    message = f"SyntaxError: {error.msg}"
    if target is not None:
        message += f" (the project targets Python {target[0]}.{target[1]})"
    return SyntaxProblem(message, error.lineno or 1, error.offset or 1)


@dataclass(frozen=True)
class _Newer:
    """A construct newer than this interpreter, where it starts."""

    what: str
    version: Version
    row: int
    """Line, from 0."""
    byte: int
    """Byte offset in the line."""


def _too_new(text: str, found: _Newer, target: Version) -> SyntaxProblem:
    line = text.splitlines()[found.row] if found.row < len(text.splitlines()) else ""
    column = len(line.encode("utf-8")[: found.byte].decode("utf-8", errors="replace")) + 1
    return SyntaxProblem(
        f"SyntaxError: Python {found.version[0]}.{found.version[1]} syntax ({found.what}) "
        f"in a project that targets Python {target[0]}.{target[1]}",
        found.row + 1,
        column,
    )


_Edit = tuple[int, int, bytes]
"""Replace bytes [start, end) with new bytes."""


def _rewrites(source: bytes, found: list[_Newer]) -> Iterator[_Edit]:
    """The edits that turn each newer construct into an older one (recorded in `found`)."""
    tree = Parser(_LANGUAGE).parse(source)
    captures = QueryCursor(_NEWER).captures(tree.root_node)

    def note(what: str, version: Version, node: Node) -> None:
        found.append(_Newer(what, version, node.start_point.row, node.start_point.column))

    for parameters in captures.get("parameters", []):
        defaults = b"=" in _text(source, parameters)
        note(
            "type parameter defaults" if defaults else "type parameters",
            (3, 13) if defaults else (3, 12),
            parameters,
        )
        yield _blank(source, parameters.start_byte, parameters.end_byte, continued=True)
    for alias in captures.get("alias", []):
        edit = _assignment(source, alias)
        if edit is not None:
            note("a `type` statement", (3, 12), alias)
            yield edit
    for handler in captures.get("handler", []):
        types = handler.children_by_field_name("value")
        if len(types) > 1:
            note("`except` with several types and no parentheses", (3, 14), handler)
            first = types[0].start_byte
            space = source[first - 1 : first] == b" "
            yield (first - 1 if space else first), first, b"("
            yield types[-1].end_byte, types[-1].end_byte, b")"
    for literal in captures.get("string", []):
        if _inside_literal(literal):
            continue
        templated = _is_templated(source, literal)
        code = _text(source, literal)
        if not templated and (b"{" not in code or _readable(code)):
            continue
        edit = _expressions_tuple(source, literal)
        if edit is not None:
            what = "a t-string" if templated else "an f-string nesting quotes or comments"
            note(what, (3, 14) if templated else (3, 12), literal)
            yield edit


def _text(source: bytes, node: Node) -> bytes:
    return source[node.start_byte : node.end_byte]


def _blank(source: bytes, start: int, end: int, *, continued: bool) -> _Edit:
    """Spaces over [start, end), line breaks kept (as `\\` continuations when `continued`)."""
    blank = bytearray(byte if byte in b"\r\n" else 0x20 for byte in source[start:end])
    if continued:
        for index, byte in enumerate(bytes(blank)):
            if byte != 0x0A:
                continue
            before = index - 2 if index > 1 and blank[index - 1] == 0x0D else index - 1
            if before >= 0:
                blank[before] = 0x5C
    return start, end, bytes(blank)


def _assignment(source: bytes, alias: Node) -> _Edit | None:
    """`type X[T] = V` -> `X =        V`: the value stays where it was."""
    left, right = alias.child_by_field_name("left"), alias.child_by_field_name("right")
    if left is None or right is None:
        return None
    name = _text(source, left).split(b"[")[0].strip()
    start, end, blank = _blank(source, alias.start_byte, right.start_byte, continued=True)
    head = name + b" ="
    if b"\n" in blank[: len(head)] or len(head) > len(blank):
        return None
    return start, end, head + blank[len(head) :]


def _inside_literal(node: Node) -> bool:
    """Whether a string is part of a larger literal (a concatenation, another f-string)."""
    parent = node.parent
    while parent is not None:
        if parent.type in ("concatenated_string", "interpolation"):
            return True
        parent = parent.parent
    return False


def _is_templated(source: bytes, literal: Node) -> bool:
    starts = [
        _text(source, child).lower()
        for string in _strings(literal)
        for child in string.children
        if child.type == "string_start"
    ]
    return any(b"t" in start for start in starts)


def _strings(literal: Node) -> list[Node]:
    if literal.type == "concatenated_string":
        return [child for child in literal.children if child.type == "string"]
    return [literal]


def _readable(code: bytes) -> bool:
    """Whether this interpreter parses the literal on its own."""
    try:
        _parse("(\n" + code.decode("utf-8") + "\n)", _RUNNING)
    except SyntaxError:
        return False
    return True


def _expressions_tuple(source: bytes, literal: Node) -> _Edit | None:
    """A literal this interpreter cannot read, as a tuple of its expressions.

    `f"{d["k"]} of {n}"` -> `(  d["k"],    n,)` with each expression where it was: the
    rules see the same names and calls at the same positions.
    """
    start, end, blank = _blank(source, literal.start_byte, literal.end_byte, continued=False)
    characters = bytearray(blank)
    characters[0], characters[-1] = ord("("), ord(")")
    for expression in _interpolated(source, literal):
        if expression is None:
            return None
        offset = expression.start_byte - start
        length = expression.end_byte - expression.start_byte
        characters[offset : offset + length] = _text(source, expression)
        after = offset + length
        while after < len(characters) - 1 and characters[after] != ord(" "):
            after += 1
        characters[after] = ord(",")
    return start, end, bytes(characters)


def _interpolated(source: bytes, node: Node) -> Iterator[Node | None]:
    """The expression of each `{...}` in a literal, format specs included (None: unsure)."""
    for child in node.children:
        if child.type == "interpolation":
            expressions = [
                part
                for part in child.named_children
                if part.type not in ("type_conversion", "format_specifier", "comment")
            ]
            conversions = [part for part in child.children if part.type == "type_conversion"]
            if len(expressions) != 1 or any(
                _text(source, part) not in _CONVERSIONS for part in conversions
            ):
                yield None
                continue
            yield expressions[0]
            for part in child.children:
                if part.type == "format_specifier":
                    yield from _interpolated(source, part)
        elif child.type in ("string", "concatenated_string"):
            yield from _interpolated(source, child)


def _apply(source: bytes, edits: list[_Edit]) -> bytes:
    """Apply non-overlapping edits, the last first so earlier offsets hold."""
    result = source
    for start, end, content in sorted(edits, reverse=True):
        result = result[:start] + content + result[end:]
    return result
