"""Member journeys end to end through python-telegram-bot and the fake Bot API, in French
and Portuguese: onboarding, paging search results, an introduction accepted by button, offers,
an event RSVP, a chapter broadcast, and an imported alumna claiming her profile.

What the platform sends on its own (an introduction request, its answer, a broadcast) waits
in the outbox; ``deliver_outbox`` runs the delivery Worker with the Telegram sender against
the same fake, as ``alumni run --role senders`` does.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bots.cli import _dispatch, _parser
from bots.telegram import TelegramSender
from core.bootstrap import App
from core.clock import FakeClock
from core.config import Settings
from core.db.models import Member, Organisation, PlatformAccount, Rsvp
from core.delivery.worker import Worker
from core.demo.data import DEMO_EMAIL, ZOE_EMAIL
from core.domain import Platform, Role
from core.i18n import country_name, gettext, use_locale
from tests.events.conftest import Cast, cast, person  # noqa: F401 - cast is a fixture
from tests.events.test_events import create_event
from tests.helpers import say

from .conftest import RunningBot, link_telegram_account
from .fake_bot_api import BOT_TOKEN, FakeBotApi, wait_for
from .test_polling import _buttons, _next_send, _pager, _sends

ANA = 5101  # the demo member, Ana Beatriz Conceição (São Paulo)
ZOE = 5102  # Zoë Nguyễn (Hà Nội)
NEWCOMER = 5103
JOAO = 5104  # a member in Portugal who reads Portuguese
INES = 5105  # a member in Portugal who reads French
ATTACHE = 5106  # the Portuguese chapter's admin


def escape(text: str) -> str:
    return html.escape(text, quote=True)


def translated(locale: str, msgid: str, **params: object) -> str:
    with use_locale(locale):
        return gettext(msgid, **params)


async def speaks(app: App, email: str, language: str) -> None:
    async with app.db.sessions.begin() as session:
        await session.execute(
            update(Member).where(Member.email == email).values(preferred_language=language)
        )


async def link_by_name(app: App, full_name: str, user_id: int) -> int:
    async with app.db.sessions.begin() as session:
        member_id = await session.scalar(select(Member.id).where(Member.full_name == full_name))
        assert member_id is not None, full_name
        session.add(
            PlatformAccount(platform=Platform.TELEGRAM, user_id=str(user_id), member_id=member_id)
        )
    return member_id


def _edits(fake: FakeBotApi, chat_id: int, message_id: int) -> list[str]:
    """The texts ``message_id`` in ``chat_id`` was edited to, in order."""
    return [
        str(c.params["text"])
        for c in fake.calls_to("editMessageText")
        if c.params["chat_id"] == chat_id and c.params["message_id"] == message_id
    ]


async def deliver_outbox(app: App, fake: FakeBotApi, clock: FakeClock) -> int:
    """Run the Telegram sender's Worker until the outbox has nothing due; how many it sent."""
    sender = TelegramSender(app, token=BOT_TOKEN, api_url=fake.api_url)

    async def sleep(seconds: float) -> None:
        clock.advance(dt.timedelta(seconds=max(0.0, seconds)))
        await asyncio.sleep(0)

    worker = Worker(
        app.db,
        sender,
        worker_id="telegram-test",
        clock=clock,
        now=lambda: clock.now().timestamp(),
        sleep=sleep,
    )
    try:
        for _ in range(10):
            if not await worker.run_once():
                break
    finally:
        await sender.close()
    return worker.stats.sent


async def test_onboarding_in_portuguese_asks_every_question_in_portuguese(
    seeded: App, fake_api: FakeBotApi, polling_bot: RunningBot
) -> None:
    pt = "pt_BR"
    skip, consent = translated(pt, "Skip"), translated(pt, "Yes, list me")
    await fake_api.push_message("/start", user_id=NEWCOMER, language_code="pt-br")
    welcome, first_question = [
        c.params["text"] for c in [await _next_send(fake_api, NEWCOMER, i) for i in (0, 1)]
    ]
    assert welcome == escape(
        translated(
            pt,
            "Welcome to France Alumni, the network of people who studied in France. "
            "A few questions and you are in. Already in the network through your school? "
            "Send /link with the code you received instead.",
        )
    )
    assert escape(translated(pt, "Your full name")) in first_question
    assert translated(pt, "Your full name") != "Your full name"

    answers = ["Luísa Araújo", "BR"]
    while True:
        count = len(_sends(fake_api, NEWCOMER))
        question = fake_api.last_message(NEWCOMER)
        buttons = _buttons(question)
        if answers:
            await fake_api.push_message(answers.pop(0), user_id=NEWCOMER, language_code="pt-br")
        elif consent in buttons:
            await fake_api.push_callback(
                buttons[consent], user_id=NEWCOMER, message=question, language_code="pt-br"
            )
            break
        else:
            assert skip in buttons, question["text"]
            await fake_api.push_callback(
                buttons[skip], user_id=NEWCOMER, message=question, language_code="pt-br"
            )
        await _next_send(fake_api, NEWCOMER, count)
    done = await _next_send(fake_api, NEWCOMER, count)
    assert done.params["text"].startswith(
        escape(translated(pt, "Welcome to the network, {name}!", name="Luísa Araújo"))
    )
    async with seeded.db.sessions() as session:
        member = await session.scalar(select(Member).where(Member.full_name == "Luísa Araújo"))
    assert member is not None and member.country_code == "BR"


async def test_search_results_page_in_french_with_buttons_that_edit_the_message(
    seeded: App, fake_api: FakeBotApi, polling_bot: RunningBot
) -> None:
    await speaks(seeded, DEMO_EMAIL, "fr")
    await link_telegram_account(seeded, DEMO_EMAIL, ANA)
    await fake_api.push_message("/search sector:digital", user_id=ANA)
    first = await _next_send(fake_api, ANA, 0)
    page = translated("fr", "Page {page}", page=1)
    assert first.params["text"].endswith(f"<i>{escape(page)}</i>")
    page_one = fake_api.last_message(ANA)
    [next_data] = _pager(page_one)
    assert len(next_data.encode()) <= 64
    await fake_api.push_callback(next_data, user_id=ANA, message=page_one, language_code="fr")
    await wait_for(lambda: fake_api.calls_to("editMessageText"))
    [edit] = fake_api.calls_to("editMessageText")
    assert edit.params["message_id"] == page_one["message_id"]
    assert edit.params["text"].endswith(f"<i>{escape(translated('fr', 'Page {page}', page=2))}</i>")
    assert len(_sends(fake_api, ANA)) == 1


async def test_an_introduction_asked_in_portuguese_and_accepted_in_french_shares_handles(
    seeded: App, clock: FakeClock, fake_api: FakeBotApi, polling_bot: RunningBot
) -> None:
    await speaks(seeded, DEMO_EMAIL, "pt_BR")
    await speaks(seeded, ZOE_EMAIL, "fr")
    await link_telegram_account(seeded, DEMO_EMAIL, ANA, handle="ana_bc")
    await link_telegram_account(seeded, ZOE_EMAIL, ZOE, handle="zoe_ng")

    await fake_api.push_message(
        '/contact "Zoë Nguyễn" Olá, também estudei em Paris!', user_id=ANA, language_code="pt-br"
    )
    asked = await _next_send(fake_api, ANA, 0)
    assert not asked.params["text"].startswith("⚠️"), asked.params["text"]
    assert _sends(fake_api, ZOE) == []  # the request waits in the outbox for the sender

    assert await deliver_outbox(seeded, fake_api, clock) == 1
    [request] = _sends(fake_api, ZOE)
    intro = translated(
        "fr", "{name} would like to be introduced to you.", name="Ana Beatriz Conceição"
    )
    assert intro != "Ana Beatriz Conceição would like to be introduced to you."
    assert escape(intro) in request.params["text"]
    assert "Olá, também estudei em Paris!" in request.params["text"]
    assert "ana_bc" not in request.params["text"]  # no contact before she accepts

    message = fake_api.last_message(ZOE)
    accept = _buttons(message)[translated("fr", "Accept")]
    await fake_api.push_callback(accept, user_id=ZOE, message=message, language_code="fr")
    answered = await _next_send(fake_api, ZOE, 1)
    assert "Telegram: @ana_bc (https://t.me/ana_bc)" in answered.params["text"]

    assert await deliver_outbox(seeded, fake_api, clock) == 1
    told = await _next_send(fake_api, ANA, 1)
    accepted = translated("pt_BR", "{name} accepted your introduction request.", name="Zoë Nguyễn")
    assert accepted != "Zoë Nguyễn accepted your introduction request."
    assert escape(accepted) in told.params["text"]
    assert "Telegram: @zoe_ng (https://t.me/zoe_ng)" in told.params["text"]


async def test_offers_are_listed_in_french_with_their_buttons(
    seeded: App, fake_api: FakeBotApi, polling_bot: RunningBot
) -> None:
    async with seeded.db.sessions() as session:
        airbus = await session.scalar(select(Organisation.id).where(Organisation.slug == "airbus"))
    rep = await person(seeded, "rep", country="FR", grants=((Role.REPRESENTATIVE, airbus, None),))
    [posted] = await say(
        seeded,
        rep,
        '/offer post internship "Data analyst" city:Lyon sector:finance '
        "apply:https://airbus.example/1",
    )
    assert not posted.error, posted.text
    await speaks(seeded, DEMO_EMAIL, "fr")
    await link_telegram_account(seeded, DEMO_EMAIL, ANA)

    await fake_api.push_message("/offers analyst", user_id=ANA, language_code="fr")
    sent = await _next_send(fake_api, ANA, 0)
    assert "<b>Data analyst</b>" in sent.params["text"]
    assert translated("fr", "Details") in _buttons(fake_api.last_message(ANA))


async def test_an_event_rsvp_button_answers_in_portuguese_and_records_the_answer(
    cast: Cast,  # noqa: F811
    seeded: App,
    fake_api: FakeBotApi,
    polling_bot: RunningBot,
) -> None:
    event_id = await create_event(seeded, cast.country_admin)
    joao = await link_by_name(seeded, cast.portuguese, JOAO)
    await fake_api.push_message(f"/event show {event_id}", user_id=JOAO, language_code="pt-br")
    shown = await _next_send(fake_api, JOAO, 0)
    assert "Noite dos antigos alunos" in shown.params["text"]
    card = fake_api.last_message(JOAO)
    going = _buttons(card)[translated("pt_BR", "Going")]
    await fake_api.push_callback(going, user_id=JOAO, message=card, language_code="pt-br")
    answered = await _next_send(fake_api, JOAO, 1)
    expected = translated("pt_BR", "You are going. You will get a reminder the day before.")
    assert expected != "You are going. You will get a reminder the day before."
    assert answered.params["text"].startswith(escape(expected))
    async with seeded.db.sessions() as session:
        [rsvp] = (await session.scalars(select(Rsvp).where(Rsvp.member_id == joao))).all()
    assert rsvp.event_id == event_id and rsvp.status == "going"


async def test_a_broadcast_confirmed_on_telegram_reaches_members_in_their_languages(
    cast: Cast,  # noqa: F811
    seeded: App,
    clock: FakeClock,
    fake_api: FakeBotApi,
    polling_bot: RunningBot,
) -> None:
    await link_by_name(seeded, cast.country_admin, ATTACHE)
    await link_by_name(seeded, cast.portuguese, JOAO)
    await link_by_name(seeded, cast.member, INES)
    await fake_api.push_message("/broadcast PT Reunião na embaixada & <festa>", user_id=ATTACHE)
    preview = await _next_send(fake_api, ATTACHE, 0)
    assert "Reunião na embaixada &amp; &lt;festa&gt;" in preview.params["text"]
    draft = fake_api.last_message(ATTACHE)
    [confirm] = _buttons(draft).values()
    await fake_api.push_callback(confirm, user_id=ATTACHE, message=draft)
    # The preview turns into the progress report, in place.
    await wait_for(lambda: _edits(fake_api, ATTACHE, draft["message_id"]))
    assert _sends(fake_api, JOAO) == [] and _sends(fake_api, INES) == []

    assert await deliver_outbox(seeded, fake_api, clock) == 3  # the attaché lives in PT too
    for user_id, locale in ((JOAO, "pt_BR"), (INES, "fr"), (ATTACHE, "fr")):
        received = fake_api.sent_texts(user_id)[-1]
        with use_locale(locale):
            frame = gettext(
                "Announcement from the chapter in {country}:", country=country_name("PT")
            )
        assert received == escape(frame) + "\n\nReunião na embaixada &amp; &lt;festa&gt;"
    assert fake_api.sent_texts(JOAO) != fake_api.sent_texts(INES)


IMPORTED = """\
full_name,email,country,city,institution,degree,field,graduation_year,sector,languages,\
directory_consent
Zoë Nguyễn,zoe.n@example.org,VN,Hà Nội,École polytechnique,master,Physics,2019,aerospace,vi;fr,yes
Jean Caché,jean@example.org,SN,Dakar,École polytechnique,master,Law,2015,law,fr,yes
"""


async def test_an_alumna_imported_by_csv_claims_her_profile_with_start_code_then_finds_zoe(
    app: App,
    settings: Settings,
    fake_api: FakeBotApi,
    polling_bot: RunningBot,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``alumni import members`` then ``alumni members claim-code``, as an operator runs them."""
    source = tmp_path / "polytechnique.csv"
    source.write_text(IMPORTED, encoding="utf-8")
    imported = _parser().parse_args(
        ["import", "members", str(source), "--institution", "École polytechnique"]
    )
    assert await _dispatch(imported, settings) == 0
    capsys.readouterr()
    claim = _parser().parse_args(["members", "claim-code", "jean@example.org"])
    assert await _dispatch(claim, settings) == 0
    code = capsys.readouterr().out.strip()

    await fake_api.push_message(f"/start {code}", user_id=ANA, language_code="fr")
    claimed = await _next_send(fake_api, ANA, 0)
    assert "Jean Caché" in claimed.params["text"]
    await fake_api.push_message("/search zoe nguyen", user_id=ANA, language_code="fr")
    found = await _next_send(fake_api, ANA, 1)
    assert "<b>Zoë Nguyễn</b>" in found.params["text"]
