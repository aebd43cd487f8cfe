"""Unverified token decode: a JWT is read without checking its signature or its expiry.

What it finds:
    Calls of PyJWT's `jwt.decode`/`jwt.decode_complete` and python-jose's `jwt.decode` with
    `options` that turn off `verify_signature` or `verify_exp`, with `verify=False` (PyJWT
    1), or with `algorithms` that include `none`; and python-jose's
    `jwt.get_unverified_claims`. Options written as a dict in the call, or as a name bound
    to one in the same function or module, are read.

Why it matters:
    A token whose signature is not checked is whatever its sender wrote: anyone can claim
    to be any user, an administrator included. `alg: none` is a signature that is not
    one. A token whose expiry is not checked works forever once stolen, and signing out
    or an expiry setting changes nothing.

Example:
    import jwt

    def user_id(token: str) -> str:
        return jwt.decode(token, options={"verify_signature": False})["sub"]

Use instead:
    import jwt

    def user_id(token: str, key: str) -> str:
        claims = jwt.decode(token, key, algorithms=["HS256"], options={"require": ["exp"]})
        return claims["sub"]

Fix safety:
    No automatic fix: the key and the algorithms the tokens are signed with must be known.

Known limits:
    `jwt.get_unverified_header` is not reported (reading `kid` to pick the key is how key
    sets work). Options built by a function, and authlib's claims that are never
    `.validate()`d (which leaves `exp` unchecked), are not seen. Tests are not checked.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_agent.audit.parsed_module import Function, ParsedModule, Violation

_DECODERS = frozenset(
    {
        "jwt.decode",
        "jwt.decode_complete",
        "jwt.api_jwt.decode",
        "jwt.api_jwt.decode_complete",
        "jose.jwt.decode",
    }
)
_UNVERIFIED_READERS = frozenset({"jose.jwt.get_unverified_claims"})
_CHECKS = {
    "verify_signature": "skips the signature check: anyone can write a token it accepts",
    "verify_exp": "skips the expiry check: a stolen token works forever",
}
_FIX_TITLE = "Decode with the key and `algorithms=[...]`, keeping the signature and expiry checks"


def check(module: ParsedModule) -> Iterator[Violation]:
    """Report token decoding that trusts what it has not verified."""
    if module.is_test or not module.imports_any("jwt", "jose"):
        return
    for function in [None, *module.all_functions]:
        for call in module.calls_in(function):
            called = module.resolve(call.func)
            if called in _UNVERIFIED_READERS:
                yield module.violation(
                    call,
                    f"`{module.source(call.func)}` reads claims nobody verified: anyone can "
                    "write them",
                    _FIX_TITLE,
                )
            elif called in _DECODERS and (problem := _problem(module, function, call)):
                yield module.violation(
                    call, f"`{module.source(call.func)}(...)` {problem}", _FIX_TITLE
                )


def _problem(module: ParsedModule, function: Function | None, call: ast.Call) -> str | None:
    keywords = {keyword.arg: keyword.value for keyword in call.keywords}
    verify = keywords.get("verify")
    if isinstance(verify, ast.Constant) and verify.value is False:
        return _CHECKS["verify_signature"]
    algorithms = keywords.get("algorithms")
    if isinstance(algorithms, ast.List | ast.Tuple | ast.Set) and any(
        isinstance(item, ast.Constant) and str(item.value).lower() == "none"
        for item in algorithms.elts
    ):
        return "accepts `alg: none`, a token with no signature at all"
    options = _dict(module, function, keywords.get("options"))
    if options is None:
        return None
    for key, value in zip(options.keys, options.values, strict=True):
        if (
            isinstance(key, ast.Constant)
            and key.value in _CHECKS
            and isinstance(value, ast.Constant)
            and value.value is False
        ):
            return _CHECKS[str(key.value)]
    return None


def _dict(
    module: ParsedModule, function: Function | None, node: ast.expr | None
) -> ast.Dict | None:
    """`node` as a dict display: written in place, or a name bound to one in the function
    or at module level."""
    if isinstance(node, ast.Dict) or node is None:
        return node
    if not isinstance(node, ast.Name):
        return None
    for statement in module.bindings_in(function):
        if (
            isinstance(statement, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == node.id for t in statement.targets)
            and isinstance(statement.value, ast.Dict)
        ):
            return statement.value
    value = module.assignments.get(node.id)
    return value if isinstance(value, ast.Dict) else None
