"""A REPL over the dispatcher. Buttons are numbered: type the number to press one.

Reads standard input line by line when it is not a terminal, so it can be scripted:
``printf '/help\\n/search zoe\\n' | alumni console --as demo``.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterable, Iterator
from typing import TextIO

from sqlalchemy import select

from core.bootstrap import App
from core.chat import Button, ChatKind, Incoming, Reply
from core.db.models import Member, OutboxMessage, PlatformAccount
from core.delivery import Target
from core.demo.data import DEMO_EMAIL
from core.domain import Platform
from core.errors import UserError
from core.i18n import N_, gettext, use_locale

__all__ = ["ConsoleAdapter", "render"]

PROMPT = "alumni> "


def render(reply: Reply, buttons: list[Button]) -> str:
    """Plain text for a terminal; appends the reply's buttons to ``buttons`` and numbers them."""
    lines: list[str] = []
    if reply.text:
        lines.append(("! " if reply.error else "") + reply.text)
    for card in reply.cards:
        lines.append("")
        lines.append(f"  {card.title}")
        if card.subtitle:
            lines.append(f"  {card.subtitle}")
        if card.body:
            lines.extend(f"  {line}" for line in card.body.splitlines())
        lines.extend(f"    {f.name}: {f.value}" for f in card.fields)
        lines.extend(_button_line(b, buttons) for b in card.buttons)
    if reply.buttons:
        lines.append("")
        lines.extend(_button_line(b, buttons) for b in reply.buttons)
    if reply.pager is not None:
        pager = [reply.pager.label] if reply.pager.label else []
        pager.extend(
            _button_line(b, buttons).strip()
            for b in (reply.pager.previous, reply.pager.next)
            if b is not None
        )
        lines.append("")
        lines.append("  " + "   ".join(pager))
    if reply.form is not None:
        lines.append("")
        lines.append(f"  {reply.form.title}")
        lines.extend(f"    {f.label}" for f in reply.form.fields)
    for attachment in reply.attachments:
        lines.append(f"  [{attachment.filename}, {len(attachment.content)} bytes]")
    return "\n".join(lines)


def _button_line(button: Button, buttons: list[Button]) -> str:
    if button.url:
        return f"    {button.label}: {button.url}"
    buttons.append(button)
    return f"    [{len(buttons)}] {button.label}"


class ConsoleAdapter:
    def __init__(self, app: App, email: str, *, out: TextIO = sys.stdout) -> None:
        self.app = app
        self.email = DEMO_EMAIL if email == "demo" else email.strip().lower()
        self.out = out
        self.buttons: list[Button] = []
        self.locale = _terminal_locale()

    async def attach(self) -> None:
        """Make sure a console account points at the member; refuse unknown e-mails."""
        async with self.app.db.sessions.begin() as session:
            member_id = await session.scalar(select(Member.id).where(Member.email == self.email))
            if member_id is None:
                with use_locale(self.locale):
                    raise UserError(
                        N_(
                            "No member has the e-mail {email}. Run `alumni seed --demo` for demo "
                            "members, or use --as demo."
                        ),
                        email=self.email,
                    )
            account = await session.scalar(
                select(PlatformAccount).where(
                    PlatformAccount.platform == Platform.CONSOLE,
                    PlatformAccount.workspace == "",
                    PlatformAccount.user_id == self.email,
                )
            )
            if account is None:
                session.add(
                    PlatformAccount(
                        platform=Platform.CONSOLE,
                        workspace="",
                        user_id=self.email,
                        member_id=member_id,
                        handle=self.email,
                    )
                )
            elif account.member_id != member_id:
                account.member_id = member_id

    def _incoming(self, line: str) -> Incoming:
        common = {
            "platform": Platform.CONSOLE,
            "user_id": self.email,
            "chat_id": self.email,
            "chat_kind": ChatKind.PRIVATE,
            "locale": self.locale,
        }
        if line.isdigit() and self.buttons:
            index = int(line) - 1
            if 0 <= index < len(self.buttons):
                button = self.buttons[index]
                return Incoming(**common, action=button.action, payload=button.payload)
        if not line.startswith("/"):
            return Incoming(**common, text=line, is_message=True)
        return Incoming(**common, text=line)

    async def handle_line(self, line: str) -> str:
        replies = await self.app.dispatcher.handle(self._incoming(line))
        self.buttons = []
        out = [render(r, self.buttons) for r in replies]
        inbox = await self.inbox()
        return "\n\n".join(out + inbox)

    async def inbox(self) -> list[str]:
        """Messages the outbox holds for this member on the console: shown, then sent."""
        now = self.app.clock.now()
        async with self.app.db.sessions.begin() as session:
            messages = (
                await session.scalars(
                    select(OutboxMessage)
                    .where(
                        OutboxMessage.platform == Platform.CONSOLE,
                        OutboxMessage.chat_id == Target.user(Platform.CONSOLE, self.email).chat_id,
                        OutboxMessage.state == "pending",
                        OutboxMessage.next_attempt_at <= now,
                    )
                    .order_by(OutboxMessage.id)
                )
            ).all()
            shown = []
            for message in messages:
                with use_locale(self.locale):
                    heading = gettext("New message:")
                shown.append(f"{heading}\n" + render(Reply.from_dict(message.reply), self.buttons))
                message.state = "sent"
                message.sent_at = now
                message.attempts += 1
        return shown

    async def run(self, lines: Iterable[str] | None = None) -> None:
        await self.attach()
        interactive = lines is None and sys.stdin.isatty()
        if interactive:
            with use_locale(self.locale):
                self.out.write(
                    gettext(
                        "Connected as {email}. Type /help, or /quit to leave.", email=self.email
                    )
                    + "\n"
                )
        for message in await self.inbox():
            self.out.write(message + "\n")
        source: Iterator[str] | None = None
        if not interactive:
            source = iter(lines if lines is not None else sys.stdin)
        while True:
            try:
                if source is None:
                    line = await asyncio.to_thread(input, PROMPT)
                else:
                    line = next(source)
            except (EOFError, StopIteration):
                break
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line in ("/quit", "/exit"):
                break
            self.out.write(await self.handle_line(line) + "\n")
            self.out.flush()


def _terminal_locale() -> str | None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            tag = value.split(".", 1)[0]
            return None if tag in ("C", "POSIX") else tag
    return None
