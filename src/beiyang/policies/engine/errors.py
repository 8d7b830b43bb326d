from __future__ import annotations


class PackError(Exception):
    """An invalid pack: names the file, the line and the reason."""

    def __init__(self, reason: str, file: str = "", line: int | None = None) -> None:
        self.reason = reason
        self.file = file
        self.line = line
        where = f"{file}:{line}: " if file and line else (f"{file}: " if file else "")
        super().__init__(f"{where}{reason}")


class ExpressionError(Exception):
    """A condition or formula that does not parse or names something unknown."""

    def __init__(self, reason: str, position: int | None = None) -> None:
        self.reason = reason
        self.position = position
        super().__init__(reason if position is None else f"{reason} (at character {position + 1})")


class ProfileError(Exception):
    """Bad input in a profile: the field at fault with a Chinese and an English message."""

    def __init__(self, field: str, message: str, message_en: str) -> None:
        self.field = field
        self.message = message
        self.message_en = message_en
        super().__init__(f"{field}: {message_en}")


class EvaluationError(Exception):
    """An expression that cannot be computed for one profile: a number, date or list outside
    the bounds of the language. The engine answers "cannot be determined" for that policy."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)
