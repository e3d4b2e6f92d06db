"""Secret: a token or client secret that never shows itself."""

from __future__ import annotations

from brickgate.domain.errors import InvalidCredentialError
from brickgate.domain.redaction import register_secret

MASK = "**********"


class Secret:
    """A token or client secret whose value is shown only through ``get_secret_value()``.

    ``repr``, ``str``, f-strings and logging all print a mask, and the value is registered with
    the process-wide redactor (``brickgate.domain.redaction``) so text echoing it can be
    scrubbed. Construction refuses empty values
    and any whitespace, control or non-ASCII character (they would allow header injection).
    Raises ``InvalidCredentialError`` (whose message never contains the value).
    """

    __slots__ = ("_value",)

    def __init__(self, value: str, *, what: str = "token") -> None:
        if not isinstance(value, str):
            raise InvalidCredentialError(f"the {what} must be text, not {type(value).__name__}")
        if not value:
            raise InvalidCredentialError(f"the {what} is empty")
        for position, char in enumerate(value, start=1):
            if not ("!" <= char <= "~"):
                raise InvalidCredentialError(
                    f"the {what} contains a whitespace, control or non-ASCII character at "
                    f"position {position}; copy it again without spaces or line breaks"
                )
        self._value = value
        register_secret(value)

    def get_secret_value(self) -> str:
        """Return the secret itself; call it only where the value is sent."""
        return self._value

    def masked(self) -> str:
        """A hint for people: the first and last four characters of a long secret, else a mask."""
        if len(self._value) >= 20:
            return f"{self._value[:4]}…{self._value[-4:]}"
        return MASK

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __format__(self, format_spec: str) -> str:
        try:
            return format(MASK, format_spec)
        except ValueError:
            return MASK

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        import hmac

        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __reduce__(self) -> tuple[type[Secret], tuple[str]]:
        return (Secret, (self._value,))
