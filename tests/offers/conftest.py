"""People in every role the offers feature knows, each with a console account."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select, update

from core.bootstrap import App
from core.db.models import Member, Organisation, OrganisationCountry, PlatformAccount, RoleGrant
from core.demo.data import ADMIN_EMAIL, DEMO_EMAIL
from core.domain import Platform, Role
from tests.helpers import account_for

ORG = "airbus"  # home country FR, present in BR for these tests
OTHER_ORG = "danone"


@dataclass(frozen=True)
class Cast:
    """Console user ids by role."""

    stranger: str
    member: str
    representative: str
    other_representative: str
    country_admin: str
    other_country_admin: str
    global_admin: str
    org_id: int
    other_org_id: int


async def _person(app: App, name: str, grants: list[tuple[Role, int | None, str | None]]) -> str:
    async with app.db.sessions.begin() as session:
        member = Member(
            full_name=name,
            name_key=name.lower(),
            country_code="FR",
            preferred_language="fr",
            search_document="",
        )
        session.add(member)
        await session.flush()
        session.add(PlatformAccount(platform=Platform.CONSOLE, user_id=name, member_id=member.id))
        for role, org, country in grants:
            session.add(
                RoleGrant(member_id=member.id, role=role, organisation_id=org, country_code=country)
            )
    return name


@pytest.fixture
async def cast(seeded: App) -> Cast:
    async with seeded.db.sessions.begin() as session:
        ids = dict((await session.execute(select(Organisation.slug, Organisation.id))).all())
        session.add(OrganisationCountry(organisation_id=ids[ORG], country_code="BR"))
        await session.execute(
            update(Member)
            .where(Member.email.in_([ADMIN_EMAIL, DEMO_EMAIL]))
            .values(preferred_language="fr")
        )
    return Cast(
        stranger="nobody-at-all",
        member=await account_for(seeded, DEMO_EMAIL),
        representative=await _person(seeded, "rep", [(Role.REPRESENTATIVE, ids[ORG], None)]),
        other_representative=await _person(
            seeded, "other-rep", [(Role.REPRESENTATIVE, ids[OTHER_ORG], None)]
        ),
        country_admin=await _person(seeded, "admin-br", [(Role.COUNTRY_ADMIN, None, "BR")]),
        other_country_admin=await _person(seeded, "admin-jp", [(Role.COUNTRY_ADMIN, None, "JP")]),
        global_admin=await account_for(seeded, ADMIN_EMAIL),
        org_id=ids[ORG],
        other_org_id=ids[OTHER_ORG],
    )
