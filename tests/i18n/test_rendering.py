"""Every command's help and a sample of replies, rendered in every language, fit the platforms
and leave no placeholder unfilled."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import update

from core.bootstrap import App, build_registry
from core.chat import Reply
from core.chat.commands import Command
from core.db.models import Member
from core.demo.data import DEMO_EMAIL
from core.i18n import gettext, tools, use_locale
from tests.helpers import account_for, say

DISCORD_DESCRIPTION = 100  # slash command and option descriptions
TELEGRAM_COMMAND_DESCRIPTION = 256  # BotCommand.description
TELEGRAM_MESSAGE = 4096
BUTTON_LABEL = 80  # Discord's limit, the tightest of the three
SLACK_LONG_DESCRIPTION = (174, 4000)  # the manifest is refused outside these bounds
SLACK_DESCRIPTION = 140

LEFTOVER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


def _helps(command: Command, path: str = "") -> Iterator[tuple[str, str]]:
    where = f"/{path}{command.name}"
    yield where, command.help
    for param in (*command.params, *command.options):
        yield f"{where} {param.name}", param.help
    for sub in command.subcommands:
        yield from _helps(sub, f"{path}{command.name} ")


HELPS = sorted({pair for command in build_registry() for pair in _helps(command)})


@pytest.mark.parametrize("locale", tools.LOCALES)
def test_every_command_help_is_translated_filled_and_fits_discord_and_telegram(
    locale: str,
) -> None:
    faults = []
    with use_locale(locale) as chosen:
        assert chosen == locale
        for where, msgid in HELPS:
            text = gettext(msgid)
            if LEFTOVER.search(text):
                faults.append(f"{where}: placeholder left in {text!r}")
            if not 1 <= len(text) <= min(DISCORD_DESCRIPTION, TELEGRAM_COMMAND_DESCRIPTION):
                faults.append(f"{where}: {len(text)} characters: {text!r}")
    assert faults == []


@pytest.mark.parametrize("locale", tools.LOCALES)
def test_slack_manifest_descriptions_fit_in_every_language(locale: str) -> None:
    from bots.slack.manifest import ALUMNI_DESCRIPTION, LONG_DESCRIPTION, SHORT_DESCRIPTION

    with use_locale(locale):
        low, high = SLACK_LONG_DESCRIPTION
        assert low <= len(gettext(LONG_DESCRIPTION)) <= high
        assert len(gettext(SHORT_DESCRIPTION)) <= SLACK_DESCRIPTION
        assert len(gettext(ALUMNI_DESCRIPTION)) <= SLACK_DESCRIPTION


def _shown(reply: Reply) -> Iterator[tuple[str, str]]:
    """Every piece of text a reply puts in front of a person, with what it is."""
    yield "text", reply.text
    for card in reply.cards:
        yield "card title", card.title
        yield "card subtitle", card.subtitle
        yield "card body", card.body
        for field in card.fields:
            yield "field name", field.name
            yield "field value", field.value
        for button in card.buttons:
            yield "button", button.label
    for button in reply.buttons:
        yield "button", button.label
    if reply.pager is not None:
        yield "pager", reply.pager.label
    if reply.form is not None:
        yield "form title", reply.form.title
        yield "button", reply.form.submit_label
        for form_field in reply.form.fields:
            yield "form label", form_field.label
            yield "form placeholder", form_field.placeholder
            for _value, label in form_field.choices:
                yield "button", label


def _faults(locale: str, line: str, replies: list[Reply]) -> list[str]:
    faults = []
    assert replies, f"{locale} {line}: no reply"
    for reply in replies:
        for what, text in _shown(reply):
            if LEFTOVER.search(text):
                faults.append(f"{locale} {line}: {what} keeps a placeholder: {text!r}")
            if len(text) > TELEGRAM_MESSAGE:
                faults.append(f"{locale} {line}: {what} is {len(text)} characters")
            if what == "button" and len(text) > BUTTON_LABEL:
                faults.append(f"{locale} {line}: button label too long: {text!r}")
    return faults


VISITOR_LINES = ["/help", "/help search", "/help profile", "/serch", "/search zoe", "/start"]
MEMBER_LINES = [
    "/help",
    "/profile",
    "/search",
    "/search zoe",
    "/search country:BR",
    "/search country:Atlantis",
    "/search year:abc",
    "/privacy",
    "/link",
    "/cancel",
]


async def test_a_sample_of_replies_in_every_language_is_filled_and_fits(seeded: App) -> None:
    faults: list[str] = []
    me = await account_for(seeded, DEMO_EMAIL)
    for locale in tools.LOCALES:
        visitor = f"visitor-{locale}"
        for line in VISITOR_LINES:
            faults += _faults(locale, line, await say(seeded, visitor, line, locale=locale))
        async with seeded.db.sessions.begin() as session:
            await session.execute(
                update(Member).where(Member.email == DEMO_EMAIL).values(preferred_language=locale)
            )
        for line in MEMBER_LINES:
            faults += _faults(locale, line, await say(seeded, me, line))
    assert faults == [], "\n".join(faults)


async def test_replies_speak_the_asked_language(app: App) -> None:
    [english] = await say(app, "someone", "/help", locale="en")
    for locale in tools.LOCALES:
        if locale == "en":
            continue
        [reply] = await say(app, f"someone-{locale}", "/help", locale=locale)
        assert reply.text != english.text, locale
