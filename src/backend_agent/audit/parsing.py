"""Parse any Python 3.8-3.14 file into this interpreter's `ast`, and judge it by the target.

CPython's own parser runs first: it is fast, and on most files it is all that runs. A
file it rejects goes to libcst's native parser, which knows every grammar up to 3.15. The
few constructs newer than this interpreter (type parameters, `type` aliases, `except A, B`
without parentheses, PEP 701 f-strings, t-strings) are rewritten by libcst into older
equivalents of the same length on the same lines, so every other position stays exact,
and CPython parses the result. A file is a syntax error (BA001) only when no Python can
run it, or when it needs a newer Python than the project targets.
"""

from __future__ import annotations

import ast
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

Version = tuple[int, int]
LATEST: Version = (3, 14)
"""The newest grammar the auditor knows; the target when a project declares none."""
_RUNNING: Version = (sys.version_info.major, sys.version_info.minor)
_PASSES = 3


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
    """The syntax tree; None when no Python version can parse the file."""
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
    try:
        module = cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError):
        return ParsedSource(None, _problem(first, None))
    downgraded, found = _downgraded(module)
    if downgraded is None:
        return ParsedSource(None, None)
    too_new = [item for item in found if target is not None and item.version > target]
    if not too_new:
        return ParsedSource(downgraded, None)
    return ParsedSource(downgraded, _too_new(text, too_new[0], target or LATEST))


def _downgraded(module: cst.Module) -> tuple[ast.Module | None, list[_Newer]]:
    """This interpreter's tree of a file libcst accepts; None if it still cannot read it.

    A literal nested in another one's expression is rewritten in a second pass.
    """
    found: list[_Newer] = []
    for _ in range(_PASSES):
        older = _Downgrade(module)
        module = module.visit(older)
        found += older.found
        try:
            return _parse(module.code, _RUNNING), found
        except SyntaxError:
            continue
    return None, found


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
    """A construct newer than this interpreter, found in a file that uses it."""

    what: str
    version: Version
    node: cst.CSTNode


def _too_new(text: str, found: _Newer, target: Version) -> SyntaxProblem:
    """Locate the first construct the target cannot parse (positions are costly: only now)."""
    wrapper = MetadataWrapper(cst.parse_module(text))
    older = _Downgrade(wrapper.module)
    wrapper.module.visit(older)
    positions = wrapper.resolve(PositionProvider)
    node = next(item.node for item in older.found if item.what == found.what)
    start = positions[node].start
    return SyntaxProblem(
        f"SyntaxError: {found.what} needs Python {found.version[0]}.{found.version[1]}; "
        f"the project targets Python {target[0]}.{target[1]}",
        start.line,
        start.column + 1,
    )


def _blank(text: str, *, continued: bool) -> str:
    """`text` as spaces with its line breaks kept (as `\\` continuations when `continued`)."""
    lines = text.split("\n")
    if not continued:
        return "\n".join(" " * len(line) for line in lines)
    blank = [" " * len(line) for line in lines]
    for number in range(len(blank) - 1):
        blank[number] = blank[number][:-1] + "\\" if blank[number] else "\\"
    return "\n".join(blank)


class _Downgrade(cst.CSTTransformer):
    """Rewrite constructs newer than this interpreter into older ones of the same extent."""

    def __init__(self, module: cst.Module) -> None:
        super().__init__()
        self.module = module
        self.found: list[_Newer] = []
        self._strings = 0

    def _code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def _note(self, what: str, version: Version, node: cst.CSTNode) -> None:
        self.found.append(_Newer(what, version, node))

    def _without_parameters(
        self, node: cst.FunctionDef | cst.ClassDef, updated: cst.FunctionDef | cst.ClassDef
    ) -> cst.FunctionDef | cst.ClassDef:
        parameters = updated.type_parameters
        if parameters is None:
            return updated
        defaults = any(parameter.default is not None for parameter in parameters.params)
        self._note(
            "type parameter defaults" if defaults else "type parameters",
            (3, 13) if defaults else (3, 12),
            node,
        )
        blank = _blank(
            self._code(updated.whitespace_after_name)
            + self._code(parameters)
            + self._code(updated.whitespace_after_type_parameters),
            continued=True,
        )
        return updated.with_changes(
            type_parameters=None,
            whitespace_after_name=cst.SimpleWhitespace(blank),
            whitespace_after_type_parameters=cst.SimpleWhitespace(""),
        )

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef | cst.ClassDef:
        return self._without_parameters(original_node, updated_node)

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.FunctionDef | cst.ClassDef:
        return self._without_parameters(original_node, updated_node)

    def leave_TypeAlias(
        self, original_node: cst.TypeAlias, updated_node: cst.TypeAlias
    ) -> cst.Assign:
        """`type X[T] = V` -> `X =        V`, the value where it was."""
        self._note("`type` statements", (3, 12), original_node)
        parameters = updated_node.type_parameters
        head = (
            "type"
            + self._code(updated_node.whitespace_after_type)
            + _whitespace(updated_node.whitespace_after_name)
            + (self._code(parameters) if parameters is not None else "")
            + _whitespace(updated_node.whitespace_after_type_parameters)
        )
        return cst.Assign(
            targets=[
                cst.AssignTarget(
                    target=updated_node.name,
                    whitespace_before_equal=cst.SimpleWhitespace(_blank(head, continued=True)),
                    whitespace_after_equal=updated_node.whitespace_after_equals,
                )
            ],
            value=updated_node.value,
            semicolon=updated_node.semicolon,
        )

    def _parenthesized(
        self, node: cst.CSTNode, kind: cst.BaseExpression | None
    ) -> cst.BaseExpression | None:
        if isinstance(kind, cst.Tuple) and not kind.lpar:
            self._note("`except` with several types and no parentheses", (3, 14), node)
            return kind.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return kind

    def leave_ExceptHandler(
        self, original_node: cst.ExceptHandler, updated_node: cst.ExceptHandler
    ) -> cst.ExceptHandler:
        kind = self._parenthesized(original_node, updated_node.type)
        if kind is updated_node.type:
            return updated_node
        return updated_node.with_changes(
            type=kind, whitespace_after_except=cst.SimpleWhitespace("")
        )

    def leave_ExceptStarHandler(
        self, original_node: cst.ExceptStarHandler, updated_node: cst.ExceptStarHandler
    ) -> cst.ExceptStarHandler:
        kind = self._parenthesized(original_node, updated_node.type)
        if kind is updated_node.type or not isinstance(kind, cst.BaseExpression):
            return updated_node
        return updated_node.with_changes(type=kind, whitespace_after_star=cst.SimpleWhitespace(""))

    # Strings: the outermost literal is judged as a whole (a concatenation included).

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> None:
        self._strings += 1

    def leave_ConcatenatedString(
        self, original_node: cst.ConcatenatedString, updated_node: cst.ConcatenatedString
    ) -> cst.BaseExpression:
        self._strings -= 1
        return self._string(original_node, updated_node)

    def leave_FormattedString(
        self, original_node: cst.FormattedString, updated_node: cst.FormattedString
    ) -> cst.BaseExpression:
        return self._string(original_node, updated_node)

    def leave_TemplatedString(
        self, original_node: cst.TemplatedString, updated_node: cst.TemplatedString
    ) -> cst.BaseExpression:
        return self._string(original_node, updated_node)

    def _string(
        self, original: cst.BaseExpression, updated: cst.BaseExpression
    ) -> cst.BaseExpression:
        """A literal this interpreter cannot read becomes a tuple of its expressions.

        `f"{d["k"]} of {n}"` -> `(  d["k"],   ,  n,)` with each expression where it was:
        the rules see the same names and calls at the same positions.
        """
        if self._strings:
            return updated
        bare = updated.with_changes(lpar=[], rpar=[])
        code = self._code(bare)
        templated = _has(bare, cst.TemplatedString)
        if not templated and (not _has(bare, cst.FormattedString) or _readable(code)):
            return updated
        self._note(
            "t-strings" if templated else "f-strings nesting quotes, backslashes or comments",
            (3, 14) if templated else (3, 12),
            original,
        )
        characters = list(_blank(code, continued=False))
        characters[0], characters[-1] = "(", ")"
        for offset, expression in _expressions(self, bare, 0):
            characters[offset : offset + len(expression)] = expression
            after = offset + len(expression)
            while characters[after] != " ":
                after += 1
            characters[after] = ","
        replacement = cst.parse_expression("".join(characters))
        assert isinstance(replacement, cst.Tuple)
        return replacement.with_changes(
            lpar=[*updated.lpar, *replacement.lpar], rpar=[*replacement.rpar, *updated.rpar]
        )


_Expression = cst.FormattedStringExpression | cst.TemplatedStringExpression


def _expressions(owner: _Downgrade, node: cst.CSTNode, offset: int) -> list[tuple[int, str]]:
    """(offset in the literal's code, source) of each expression in an f-/t-string literal."""
    found: list[tuple[int, str]] = []
    if isinstance(node, cst.ConcatenatedString):
        found += _expressions(owner, node.left, offset)
        middle = offset + len(owner._code(node.left)) + len(owner._code(node.whitespace_between))
        found += _expressions(owner, node.right, middle)
    elif isinstance(node, cst.FormattedString | cst.TemplatedString):
        position = offset + len(node.start)
        found += _parts(owner, node.parts, position)
    return found


def _parts(owner: _Downgrade, parts: Sequence[cst.CSTNode], offset: int) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for part in parts:
        length = len(owner._code(part))
        if isinstance(part, _Expression):
            start = offset + 1 + len(owner._code(part.whitespace_before_expression))
            found.append((start, owner._code(part.expression)))
            if part.format_spec:
                spec = sum(len(owner._code(item)) for item in part.format_spec)
                found += _parts(owner, part.format_spec, offset + length - 1 - spec)
        offset += length
    return found


def _whitespace(node: cst.SimpleWhitespace | cst.MaybeSentinel) -> str:
    return node.value if isinstance(node, cst.SimpleWhitespace) else ""


def _has(node: cst.CSTNode, kind: type[cst.CSTNode]) -> bool:
    if isinstance(node, kind):
        return True
    if isinstance(node, cst.ConcatenatedString):
        return _has(node.left, kind) or _has(node.right, kind)
    return False


def _readable(code: str) -> bool:
    """Whether this interpreter parses the literal on its own."""
    try:
        _parse(f"(\n{code}\n)", _RUNNING)
    except SyntaxError:
        return False
    return True
