"""Secret values as a type: masked everywhere unless unwrapped at the transport boundary."""

from __future__ import annotations

from dataclasses import dataclass, field

MASK = "********"


@dataclass(frozen=True, slots=True)
class Secret:
    """A value that prints as ``********``; only ``reveal()`` gives the text.

    ``str()``, ``repr()``, f-strings, logging and JSON dumps all see the mask, so a
    secret cannot leak by being formatted; the SSH transport calls ``reveal()`` when
    it writes the value to the remote shell's standard input.
    """

    _value: str = field(repr=False)

    def reveal(self) -> str:
        """The real value; call only where it leaves for the remote host."""
        return self._value

    def __str__(self) -> str:
        return MASK

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __format__(self, spec: str) -> str:
        return MASK


Value = str | Secret


def reveal(value: Value) -> str:
    """The plain text of a value, secret or not."""
    return value.reveal() if isinstance(value, Secret) else value


def mask_text(text: str, secrets: list[Secret] | tuple[Secret, ...]) -> str:
    """Replace every occurrence of each secret's value in ``text`` by the mask."""
    for secret in sorted(secrets, key=lambda s: len(s.reveal()), reverse=True):
        value = secret.reveal()
        if value:
            text = text.replace(value, MASK)
    return text
