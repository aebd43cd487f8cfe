"""Syntax error: a file does not parse, so no rule could check it.

What it finds:
    A Python file the parser rejects, at the position of the error, with the parser's
    message. The other files are still checked.

Why it matters:
    A file that does not parse cannot run either; and every rule silently skipping it
    would read as a clean result.

Example:
    async def read_user(user_id: int) -> UserRead
        ...

Use instead:
    async def read_user(user_id: int) -> UserRead:
        ...

Fix safety:
    No automatic fix.

Known limits:
    Only the first syntax error of a file is reported; it cannot be suppressed with
    `# noqa` (use `exclude` for files that are not Python on purpose).
"""
