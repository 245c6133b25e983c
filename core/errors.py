"""Errors whose message is meant for the person who typed the command."""

from __future__ import annotations

from typing import Any

from .i18n import gettext, ngettext

__all__ = ["CountedUserError", "UserError"]


class UserError(Exception):
    """A refusal or a problem with the input, told to the user in their language.

    Holds the message id and its parameters; the text is translated when read, in whatever
    locale is current then (the request's).
    """

    def __init__(self, msgid: str, /, **params: Any) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params

    @property
    def message(self) -> str:
        return gettext(self.msgid, **self.params)

    def __str__(self) -> str:
        return self.message


class CountedUserError(UserError):
    """A ``UserError`` whose wording depends on a number ("1 character", "5 characters"):
    the plural form is chosen by the reader's language, whose rules may have up to six forms
    (Arabic)."""

    def __init__(self, singular: str, plural: str, n: int, /, **params: Any) -> None:
        super().__init__(singular, **params)
        self.plural = plural
        self.n = n

    @property
    def message(self) -> str:
        return ngettext(self.msgid, self.plural, self.n, **self.params)
