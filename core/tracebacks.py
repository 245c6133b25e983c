"""Tracebacks fit for the logs of a request: frames and exception types, not messages.

The message of an exception raised while serving a person often quotes what they typed or
what the database holds about someone (``invalid literal for int(): 'Marie Curie'``). The
log keeps where it failed and what failed; the message is withheld, except for operating
system errors (addresses, files, errno), which carry no personal data.
"""

from __future__ import annotations

import traceback

__all__ = ["traceback_without_messages"]

_KEPT = (OSError,)
_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def traceback_without_messages(exc: BaseException) -> str:
    """Like ``traceback.format_exception(exc)``, each exception's message withheld."""
    return "".join(_lines(exc, set())).rstrip("\n")


def _lines(exc: BaseException, seen: set[int]) -> list[str]:
    seen.add(id(exc))
    lines: list[str] = []
    cause, context = exc.__cause__, exc.__context__
    if cause is not None and id(cause) not in seen:
        lines += [*_lines(cause, seen), _CAUSE]
    elif context is not None and not exc.__suppress_context__ and id(context) not in seen:
        lines += [*_lines(context, seen), _CONTEXT]
    if exc.__traceback__ is not None:
        lines.append("Traceback (most recent call last):\n")
        lines += traceback.format_tb(exc.__traceback__)
    lines.append(f"{_name(type(exc))}: {_message(exc)}\n")
    return lines


def _name(kind: type[BaseException]) -> str:
    module = kind.__module__
    return (
        kind.__qualname__ if module in ("builtins", "__main__") else f"{module}.{kind.__qualname__}"
    )


def _message(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:  # a broken __str__ must not break the log line
        return "<message unavailable>"
    if isinstance(exc, _KEPT):
        return text
    return f"<message withheld, {len(text)} characters>"
