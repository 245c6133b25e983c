"""The permissions matrix: every role x every offer action, through the dispatcher, in French."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.bootstrap import App
from core.chat import Incoming, Reply
from core.db.models import Offer, RepresentationRequest
from core.domain import Platform
from core.i18n import gettext, use_locale
from core.offers.domain import OfferState
from tests.helpers import say
from tests.offers.conftest import Cast

ROLES = (
    "stranger",
    "member",
    "representative",
    "other_representative",
    "country_admin",
    "other_country_admin",
    "global_admin",
)
NOT_MEMBER = "This is for members of the network. Send /start to join."
NOT_REP = "Only verified representatives of an organisation can do this."
NOT_THIS_REP = "Only verified representatives of {organisation} can do this."
NOT_ADMIN = "Only the country's administrators can do this."
NOT_GLOBAL = "Only the network's administrators can do this."
NOT_THIS_ADMIN = (
    "Only the network's administrators or the administrators of {countries} can decide for "
    "{organisation}."
)

# action -> role -> None (allowed) or the msgid of the refusal
MATRIX: dict[str, dict[str, str | None]] = {
    "post": {
        "stranger": NOT_MEMBER,
        "member": NOT_REP,
        "representative": None,
        "other_representative": NOT_THIS_REP,
        "country_admin": NOT_REP,
        "other_country_admin": NOT_REP,
        "global_admin": NOT_THIS_REP,
    },
    "edit": {
        "stranger": NOT_MEMBER,
        "member": NOT_REP,
        "representative": None,
        "other_representative": NOT_THIS_REP,
        "country_admin": NOT_REP,
        "other_country_admin": NOT_REP,
        "global_admin": NOT_THIS_REP,
    },
    "close": {
        "stranger": NOT_MEMBER,
        "member": NOT_REP,
        "representative": None,
        "other_representative": NOT_THIS_REP,
        "country_admin": NOT_REP,
        "other_country_admin": NOT_REP,
        "global_admin": NOT_THIS_REP,
    },
    "repost": {
        "stranger": NOT_MEMBER,
        "member": NOT_REP,
        "representative": None,
        "other_representative": NOT_THIS_REP,
        "country_admin": NOT_REP,
        "other_country_admin": NOT_REP,
        "global_admin": NOT_THIS_REP,
    },
    "verify": {
        "stranger": NOT_MEMBER,
        "member": NOT_ADMIN,
        "representative": NOT_ADMIN,
        "other_representative": NOT_ADMIN,
        "country_admin": None,
        "other_country_admin": NOT_THIS_ADMIN,
        "global_admin": None,
    },
    "unpublish": {
        "stranger": NOT_MEMBER,
        "member": NOT_GLOBAL,
        "representative": NOT_GLOBAL,
        "other_representative": NOT_GLOBAL,
        "country_admin": NOT_GLOBAL,
        "other_country_admin": NOT_GLOBAL,
        "global_admin": None,
    },
    "report": {
        "stranger": NOT_MEMBER,
        "member": None,
        "representative": None,
        "other_representative": None,
        "country_admin": None,
        "other_country_admin": None,
        "global_admin": None,
    },
}
CELLS = [(action, role) for action in MATRIX for role in ROLES]


def test_the_matrix_covers_every_role_for_every_action() -> None:
    assert all(set(row) == set(ROLES) for row in MATRIX.values())


async def _send(app: App, user: str, text: str) -> list[Reply]:
    return await app.dispatcher.handle(
        Incoming(platform=Platform.CONSOLE, user_id=user, text=text, locale="fr")
    )


async def _offer(app: App, cast: Cast) -> int:
    [reply] = await say(
        app,
        cast.representative,
        '/offer post job "Ingénieure système" city:Toulouse apply:https://airbus.example/1',
    )
    assert not reply.error, reply.text
    async with app.db.sessions() as session:
        offer_id = await session.scalar(select(Offer.id).order_by(Offer.id.desc()).limit(1))
    assert offer_id is not None
    return offer_id


async def _request(app: App, cast: Cast) -> int:
    [reply] = await say(app, "other-rep", "/offers represent airbus Responsable RH")
    assert not reply.error, reply.text
    async with app.db.sessions() as session:
        request_id = await session.scalar(select(RepresentationRequest.id))
    assert request_id is not None
    return request_id


@pytest.mark.parametrize(("action", "role"), CELLS, ids=[f"{a}-{r}" for a, r in CELLS])
async def test_permissions_matrix(seeded: App, cast: Cast, action: str, role: str) -> None:
    offer_id = await _offer(seeded, cast)
    commands = {
        "post": '/offer post internship "Analyste" company:airbus apply:https://a.example/2',
        "edit": f'/offer edit {offer_id} title:"Ingénieure logiciel"',
        "close": f"/offer close {offer_id}",
        "repost": f"/offer repost {offer_id}",
        "unpublish": f"/offers unpublish {offer_id} arnaque",
        "report": f"/offers report {offer_id} arnaque",
    }
    if action == "verify":
        commands["verify"] = f"/offers verify {await _request(seeded, cast)}"
    [reply] = await _send(seeded, getattr(cast, role), commands[action])
    expected = MATRIX[action][role]
    if expected is None:
        assert not reply.error, reply.text
        return
    assert reply.error
    with use_locale("fr"):
        wanted = gettext(
            expected,
            organisation="Airbus",
            countries=", ".join(("France", "Brésil")),
        )
    assert reply.text == wanted
    async with seeded.db.sessions() as session:
        offer = await session.get(Offer, offer_id)
        assert offer is not None
        assert offer.state is OfferState.OPEN  # a refusal changes nothing
        assert offer.title == "Ingénieure système"


async def test_a_refusal_from_the_dispatcher_is_in_french(seeded: App, cast: Cast) -> None:
    [reply] = await _send(seeded, cast.member, "/offer close 1")
    assert reply.error
    assert reply.text == "Seuls les représentants vérifiés d'une organisation peuvent faire cela."
