"""The platform-neutral conversation layer: commands, parser, replies, dispatcher."""

from __future__ import annotations

from .commands import (
    Action,
    Arguments,
    Command,
    CommandRegistry,
    Param,
    ParamKind,
    Permission,
)
from .context import Actor, ChatKind, CommandContext, Grant, Incoming
from .dispatcher import Dispatcher
from .parser import Invocation, ParseError, parse, tokenize
from .replies import (
    Attachment,
    Audience,
    Button,
    ButtonStyle,
    Card,
    Field,
    Form,
    FormField,
    FormFieldKind,
    Pager,
    Reply,
)

__all__ = [
    "Action",
    "Actor",
    "Arguments",
    "Attachment",
    "Audience",
    "Button",
    "ButtonStyle",
    "Card",
    "ChatKind",
    "Command",
    "CommandContext",
    "CommandRegistry",
    "Dispatcher",
    "Field",
    "Form",
    "FormField",
    "FormFieldKind",
    "Grant",
    "Incoming",
    "Invocation",
    "Pager",
    "Param",
    "ParamKind",
    "ParseError",
    "Permission",
    "Reply",
    "parse",
    "tokenize",
]
