"""Numbers typed into HTML forms, read without ever raising: a page answers a bad number with
its own message (or a "not found"), never a 500, and nothing too large reaches the database."""

from __future__ import annotations

MAX_ID = 2**31 - 1


def form_int(value: object, default: int = 0) -> int:
    """A non-negative whole number from a form field; ``default`` for anything else."""
    try:
        number = int(str(value if value is not None else "").strip())
    except ValueError:
        return default
    return number if 0 <= number <= MAX_ID else default
