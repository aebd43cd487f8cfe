"""Unused noqa: a `# noqa: BA...` comment suppresses nothing.

What it finds:
    A BA code in a `# noqa:` comment on a line where that (enabled) rule reports
    nothing, or a BA code that names no rule. Codes of other tools in the same comment
    are left alone, as is a bare `# noqa`.

Why it matters:
    Stale suppressions hide the next real finding on that line and tell the reader a
    problem exists where none does. It is the same check as ruff's RUF100.

Example:
    user = await service.create_user(session, data)  # noqa: BA201

Use instead:
    user = await service.create_user(session, data)

Fix safety:
    Safe: removes the unused codes from the comment, and the whole comment when none is
    left.

Known limits:
    Codes of rules that are not selected in this run are not judged. A `# noqa` inside a
    string literal that looks like a comment is read as a comment.
"""
