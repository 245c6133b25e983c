"""Turns an ``Incoming`` into replies: identify the actor, set the locale, parse, check, run."""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select, update

from ..db.models import Country, Member, PlatformAccount, RoleGrant
from ..errors import UserError
from ..i18n import N_, default_locale, gettext, ngettext, normalize_locale, use_locale
from . import forms
from .callbacks import STALE_BUTTON
from .commands import Permission
from .context import Actor, ChatKind, CommandContext, Grant, Incoming
from .flood import Verdict
from .forms import MODAL_PLATFORMS
from .parser import parse
from .replies import Reply

if TYPE_CHECKING:
    from ..bootstrap import App

__all__ = ["Dispatcher"]

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(self, app: App, timer: Callable[[], float] = time.perf_counter) -> None:
        self.app = app
        self._timer = timer

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """The replies to send back; never raises for anything the user sent.

        Empty only for a plain message in a group chat that nothing was waiting for.
        Each call is reported to ``app.observer`` (command, outcome, duration).
        """
        started = self._timer()
        outcome = "error"
        try:
            replies, outcome = await self._handle(incoming)
            return replies
        finally:
            self.app.observer.command_handled(
                incoming.platform.value,
                self._label(incoming),
                outcome,
                self._timer() - started,
            )

    def _label(self, incoming: Incoming) -> str:
        """A bounded name for metrics: a registered command or action, never user text."""
        if incoming.action in (forms.CHOOSE, forms.SKIP):
            return "form"
        if incoming.is_message:
            return "message"
        if incoming.action is not None:
            return incoming.action if self.app.registry.get_action(incoming.action) else "unknown"
        name = _command_name(incoming.text)
        return name if self.app.registry.get(name) is not None else "unknown"

    async def _handle(self, incoming: Incoming) -> tuple[list[Reply], str]:
        verdict = self.app.flood.admit(incoming)
        if not verdict.allowed:
            return self._refuse_flood(incoming, verdict), "limited"
        actor = await self.identify(incoming)
        with use_locale(actor.locale):
            try:
                result = await self._run(actor, incoming)
                replies = [result] if isinstance(result, Reply) else list(result)
                if incoming.platform not in MODAL_PLATFORMS:
                    replies = await self._forms_as_dialogue(incoming, replies)
            except UserError as exc:
                return [Reply(text=exc.message, error=True)], "refused"
            except Exception:
                request_id = uuid.uuid4().hex[:12]
                log.exception(
                    "command failed request_id=%s platform=%s action=%s",
                    request_id,
                    incoming.platform,
                    incoming.action or (incoming.text.split(" ", 1)[0][:40]),
                )
                return [
                    Reply(
                        text=gettext(
                            "Something went wrong on our side. Please try again later "
                            "(reference {ref}).",
                            ref=request_id,
                        ),
                        error=True,
                    )
                ], "error"
        return replies, "ok"

    def _refuse_flood(self, incoming: Incoming, verdict: Verdict) -> list[Reply]:
        """Over the limit: told once, in the platform's language (no database lookup: a
        refusal must stay cheap), then silence until the person slows down."""
        log.info(
            "flood: refused platform=%s user=%s group_message=%s",
            incoming.platform.value,
            incoming.user_id,
            incoming.is_message and incoming.chat_kind is ChatKind.GROUP,
        )
        if not verdict.tell or (incoming.is_message and incoming.chat_kind is ChatKind.GROUP):
            return []
        with use_locale(normalize_locale(incoming.locale) or default_locale()):
            text = ngettext(
                "That is a lot at once: wait {count} second, then try again.",
                "That is a lot at once: wait {count} seconds, then try again.",
                int(verdict.wait),
            )
        return [Reply(text=text, error=True)]

    async def _run(self, actor: Actor, incoming: Incoming) -> Reply | Sequence[Reply]:
        ctx = CommandContext(app=self.app, actor=actor, incoming=incoming)
        if incoming.action in (forms.CHOOSE, forms.SKIP):
            return await self._answer(
                ctx, incoming.payload if incoming.action == forms.CHOOSE else ""
            )
        if incoming.is_message:
            return await self._answer(ctx, incoming.text)
        if incoming.action is not None:
            action = self.app.registry.get_action(incoming.action)
            if action is None:
                raise UserError(STALE_BUTTON)
            _check_permission(actor, action.permission)
            return await action.handler(ctx, incoming.payload, dict(incoming.form_values or {}))
        named = self.app.registry.get(_command_name(incoming.text))
        if named is not None:
            # Refuse before reading the arguments: a member typing an admin command is told
            # it is not for them, not that an argument is missing.
            _check_permission(actor, named.permission)
        invocation = parse(incoming.text, self.app.registry)
        command = invocation.command
        _check_permission(actor, command.permission)
        if command.handler is None:
            if command.subcommands:
                return _subcommand_help(command.name, [s.name for s in command.subcommands])
            raise UserError("/{command} is not available yet.", command=invocation.path[0])
        return await command.handler(ctx, invocation.args)

    async def _answer(self, ctx: CommandContext, text: str) -> Reply | Sequence[Reply]:
        """A plain message: the next answer of an open form, else a hint (private chats)."""
        step = await self.app.forms.answer(ctx.incoming, text)
        if step is None:
            if ctx.incoming.chat_kind is ChatKind.GROUP:
                # Conversation in a channel: relayed to the group's other channels, if mapped.
                from ..groups.relay import relay_incoming

                return await relay_incoming(self.app, ctx.incoming)
            return Reply(text=gettext("I answer commands: send /help to see them."))
        if isinstance(step, Reply):
            return step
        form, values = step
        action = self.app.registry.get_action(form.action)
        if action is None:
            raise UserError(N_("This form is no longer valid. Send the command again."))
        _check_permission(ctx.actor, action.permission)
        return await action.handler(ctx, form.payload, values)

    async def _forms_as_dialogue(self, incoming: Incoming, replies: list[Reply]) -> list[Reply]:
        """Where there are no modals, a form is asked one field at a time."""
        out: list[Reply] = []
        for reply in replies:
            if reply.form is None:
                out.append(reply)
                continue
            if reply.text or reply.cards:
                out.append(dataclasses.replace(reply, form=None))
            out.append(await self.app.forms.begin(incoming, reply.form))
        return out

    async def identify(self, incoming: Incoming) -> Actor:
        """Find the member behind the platform account, with roles and language.

        One statement: the member's row joined with the chapter's language and each of the
        member's grants (one row per grant, or one row without a grant), on
        ``Database.reading()`` (no BEGIN and ROLLBACK round trips on PostgreSQL)."""
        account = {
            "platform": incoming.platform,
            "workspace": incoming.workspace,
            "user_id": incoming.user_id,
        }
        async with self.app.db.reading() as connection:
            rows = (await connection.execute(_IDENTIFY, account)).all()
            handle = (incoming.handle or "")[:120]
            if rows and handle and rows[0].handle != handle:
                # People change their username: introductions share the one they have now.
                await connection.execute(
                    update(PlatformAccount)
                    .where(
                        PlatformAccount.platform == incoming.platform,
                        PlatformAccount.workspace == incoming.workspace,
                        PlatformAccount.user_id == incoming.user_id,
                    )
                    .values(handle=handle)
                )
                await connection.commit()  # SQLite's reader has a transaction to end
        if not rows:
            locale = normalize_locale(incoming.locale) or default_locale()
            return Actor(
                platform=incoming.platform,
                user_id=incoming.user_id,
                workspace=incoming.workspace,
                locale=locale,
            )
        first = rows[0]
        locale = (
            normalize_locale(first.preferred_language)
            or normalize_locale(incoming.locale)
            or normalize_locale(first.chapter_language)
            or default_locale()
        )
        return Actor(
            platform=incoming.platform,
            user_id=incoming.user_id,
            workspace=incoming.workspace,
            member_id=first.member_id,
            country_code=first.country_code,
            locale=locale,
            grants=frozenset(
                Grant(role=r.role, organisation_id=r.organisation_id, country_code=r.grant_country)
                for r in rows
                if r.role is not None
            ),
        )


_IDENTIFY = (
    select(
        Member.id.label("member_id"),
        Member.country_code,
        Member.preferred_language,
        PlatformAccount.handle,
        Country.default_language.label("chapter_language"),
        RoleGrant.role,
        RoleGrant.organisation_id,
        RoleGrant.country_code.label("grant_country"),
    )
    .join(PlatformAccount, PlatformAccount.member_id == Member.id)
    .outerjoin(Country, Country.code == Member.country_code)
    .outerjoin(RoleGrant, RoleGrant.member_id == Member.id)
    .where(
        PlatformAccount.platform == bindparam("platform"),
        PlatformAccount.workspace == bindparam("workspace"),
        PlatformAccount.user_id == bindparam("user_id"),
    )
)


def _command_name(text: str) -> str:
    head = text.strip().split(maxsplit=1)[0] if text.strip() else ""
    return head.removeprefix("/").split("@", 1)[0].lower()


def _check_permission(actor: Actor, permission: Permission) -> None:
    if actor.may(permission):
        return
    if not actor.is_member:
        raise UserError("This is for members of the network. Send /start to join.")
    messages = {
        Permission.REPRESENTATIVE: N_(
            "Only verified representatives of an organisation can do this."
        ),
        Permission.COUNTRY_ADMIN: N_("Only the country's administrators can do this."),
        Permission.GLOBAL_ADMIN: N_("Only the network's administrators can do this."),
    }
    raise UserError(messages.get(permission, N_("You are not allowed to do this.")))


def _subcommand_help(name: str, subs: list[str]) -> Reply:
    return Reply(
        text=gettext(
            "/{command} takes one of: {subcommands}.", command=name, subcommands=", ".join(subs)
        ),
        error=True,
    )
