"""Syntax error: a file is not valid Python for the project's target version.

What it finds:
    A Python file that no Python version can parse, at the parser's position with its
    message; and a file that uses syntax newer than the project targets (ruff's
    `target-version`, else the lower bound of `requires-python`), such as `except A, B:`
    (3.14) in a project that supports 3.12. Valid syntax of any version from 3.8 to 3.14
    parses whatever Python runs the tool. The other files are still checked.

Why it matters:
    A file that does not parse cannot run either, and one that needs a newer Python
    fails on the oldest version the project promises to support. Either way the rules
    could not check it as written, which would otherwise read as a clean result.

Example:
    async def read_user(user_id: int) -> UserRead
        ...

Use instead:
    async def read_user(user_id: int) -> UserRead:
        ...

Fix safety:
    No automatic fix.

Known limits:
    One error per file is reported; it cannot be suppressed with `# noqa` (use `exclude`
    for files that are not Python on purpose). When a file cannot be read, the check
    prints a warning naming what the other files' rules lost by it (the names it defines).
"""
