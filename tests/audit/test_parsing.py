"""Every Python 3.8-3.14 syntax parses, positions stay exact, and the target decides BA001."""

from __future__ import annotations

import ast

import pytest

from backend_agent.audit.parsing import parse_source

MODERN = {
    "type parameters": "def first[T](items: list[T]) -> T:\n    return items[0]\n",
    "class type parameters": "class Box[T: (int, str)](Base):\n    value: T\n",
    "multi-line type parameters": "class Pair[\n    K,\n    V,\n]:\n    pass\nafter = K\n",
    "type parameter defaults": "def f[T = int](x: T) -> T:\n    return x\n",
    "type alias": "type Point[T] = tuple[T, T]\nafter = Point\n",
    "except without parentheses": "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n",
    "except star": "try:\n    pass\nexcept* ValueError:\n    pass\n",
    "nested quotes": 'label = f"{user["name"]} ({user["id"]})"\n',
    "backslash in f-string": "text = f\"{'\\n'.join(lines)}\"\n",
    "comment in f-string": 'text = f"""{\n    value  # the value\n}"""\n',
    "nested f-strings": 'text = f"{f"{f"{deep["x"]}"}"}"\n',
    "t-string": 'query = t"SELECT * FROM users WHERE id = {user_id}"\n',
    "match": "match command:\n    case [action, *rest]:\n        pass\n",
    "walrus": "if (n := len(items)) > 3:\n    pass\n",
    "positional-only": "def f(a, /, b, *, c):\n    return a\n",
    "parenthesized context managers": "with (\n    open(a) as x,\n    open(b) as y,\n):\n    ...\n",
    "crlf line endings": "def f[T](x: T) -> T:\r\n    return x\r\n",
}


@pytest.mark.parametrize("source", MODERN.values(), ids=MODERN.keys())
def test_valid_syntax_of_any_version_parses(source: str) -> None:
    parsed = parse_source(source, None)
    assert parsed.problem is None
    assert isinstance(parsed.tree, ast.Module)


def test_positions_of_names_stay_exact() -> None:
    source = (
        "def first[T](items: list[T]) -> T:\n"
        "    try:\n"
        "        return session.get(items)\n"
        "    except KeyError, IndexError:\n"
        '        return f"{items["é"]!r} {session.name}"\n'
    )
    parsed = parse_source(source, None)
    assert parsed.tree is not None
    lines = source.splitlines()
    for node in ast.walk(parsed.tree):
        if isinstance(node, ast.Name) and node.id in {"items", "session", "KeyError"}:
            text = lines[node.lineno - 1].encode()[node.col_offset :].decode()
            assert text.startswith(node.id), (node.id, node.lineno, node.col_offset)


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        (MODERN["except without parentheses"], (3, 12), "Python 3.14 syntax"),
        (MODERN["type parameter defaults"], (3, 12), "Python 3.13 syntax"),
        (MODERN["type parameters"], (3, 11), "Python 3.12 syntax"),
        (MODERN["match"], (3, 8), "Pattern matching is only supported in Python 3.10"),
        ("def f(:\n    pass\n", None, "SyntaxError: invalid syntax"),
    ],
)
def test_invalid_for_the_target_is_a_problem(
    source: str, target: tuple[int, int] | None, message: str
) -> None:
    parsed = parse_source(source, target)
    assert parsed.problem is not None
    assert message in parsed.problem.message


def test_newer_syntax_is_fine_when_the_project_targets_it() -> None:
    assert parse_source(MODERN["except without parentheses"], (3, 14)).problem is None
    assert parse_source(MODERN["type parameters"], (3, 12)).problem is None
