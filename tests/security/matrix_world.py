"""The world the permissions matrix runs in: seven people, one per role, with a console and a
Telegram account each (but the anonymous one), and the Brazilian objects they act on.

Objects a cell consumes (an offer to close, a request to verify) are made afresh for the cell
by ``World.fill`` before the database snapshot is taken, through the core as their owners
would make them.
"""

from __future__ import annotations

import itertools
import string
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select, update

from core.bootstrap import App
from core.chat import ChatKind, Incoming, Reply
from core.db.models import (
    Alert,
    Broadcast,
    ContactRequest,
    Event,
    Group,
    GroupReport,
    InstitutionMessage,
    Introduction,
    Member,
    MentorRequest,
    Offer,
    Organisation,
    OrganisationCountry,
    PlatformAccount,
    RepresentationRequest,
    RoleGrant,
)
from core.demo import seed_demo
from core.directory.linking import CLAIM, issue_code
from core.domain import Platform, Role, Visibility, fold
from core.i18n import country_name, use_locale
from core.mentoring.jobs import run_coffee_round
from core.offers.search import OfferCursor, OfferQuery

from .permission_matrix import Given, Who

COMPANY = "airbus"  # home country FR, present in BR for the matrix
INSTITUTION = "ecole-polytechnique"
GROUP_NAME = "Recife engineers"
CLOSED_GROUP = "Recife founders"  # moderators approve who joins

# Who -> (full name, country, language); the languages alternate so that an untranslated
# refusal shows in French and in Portuguese alike.
PEOPLE: dict[Who, tuple[str, str, str]] = {
    Who.MEMBER: ("Ana Souza", "BR", "pt_BR"),
    Who.MODERATOR: ("Marco Lima", "BR", "fr"),
    Who.REPRESENTATIVE: ("Rita Alves", "BR", "fr"),
    Who.ADMIN_HERE: ("Paulo Ramos", "BR", "pt_BR"),
    Who.ADMIN_ELSEWHERE: ("Kenji Sato", "JP", "fr"),
    Who.GLOBAL_ADMIN: ("Claire Dubois", "FR", "pt_BR"),
}
ANONYMOUS_LANGUAGE = "pt_BR"  # what the platform says about the unknown account
TELEGRAM_IDS: dict[Who, int] = {who: 7100 + i for i, who in enumerate(Who)}


def console_id(who: Who) -> str:
    return f"{who.value}@matrix.example"


def language_of(who: Who) -> str:
    return ANONYMOUS_LANGUAGE if who is Who.ANONYMOUS else PEOPLE[who][2]


@dataclass
class World:
    app: App
    member_ids: dict[Who, int]
    group_slug: str = ""
    closed_slug: str = ""
    coffee_round: int = 0  # the member's last coffee introduction
    coffee_partner: int = 0  # and whom she met there
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # --- filling a row's placeholders -----------------------------------------------------
    async def fill(self, template: str, who: Who) -> str:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        values = {name: await getattr(self, f"_make_{name}")(who) for name in sorted(names)}
        return template.format(**values)

    async def _make_group(self, _who: Who) -> str:
        return self.group_slug

    async def _make_language(self, who: Who) -> str:
        return language_of(who)

    async def _make_offer(self, _who: Who) -> str:
        await self.run(
            Who.REPRESENTATIVE,
            f'/offer post job "Engineer {next(self._serial)}" company:{COMPANY} city:Recife '
            "apply:https://airbus.example/jobs/2",
        )
        async with self.app.db.sessions() as session:
            found = await session.scalar(select(func.max(Offer.id)))
        assert found is not None
        return str(found)

    async def _make_request(self, _who: Who) -> str:
        applicant = await self.person(f"Applicant {next(self._serial)}")
        await self.run_as(applicant, f"/offers represent {COMPANY} Talent acquisition")
        async with self.app.db.sessions() as session:
            found = await session.scalar(select(func.max(RepresentationRequest.id)))
        assert found is not None
        return str(found)

    async def _make_own_alert(self, who: Who) -> str:
        if who is Who.ANONYMOUS:
            return "1"
        await self.run(who, f"/alerts add engineer {next(self._serial)}")
        async with self.app.db.sessions() as session:
            found = await session.scalar(
                select(func.max(Alert.id)).where(Alert.member_id == self.member_ids[who])
            )
        assert found is not None
        return str(found)

    async def _make_group_member(self, _who: Who) -> str:
        name = f"Joana Pereira {next(self._serial)}"
        await self.run_as(await self.person(name), f"/join {self.group_slug}")
        return name

    async def _make_new_group(self, _who: Who) -> str:
        return await self.group(f"Olinda designers {next(self._serial)}")

    async def _make_closed_group(self, _who: Who) -> str:
        return self.closed_slug

    async def _make_join_request(self, _who: Who) -> str:
        """Someone asked to join the closed group: ``group id:member id`` (the buttons')."""
        user = await self.person(f"Joana Pedido {next(self._serial)}")
        await self.run_as(user, f"/join {self.closed_slug}")
        return await self._pair(self.closed_slug, user)

    async def _make_group_member_pair(self, _who: Who) -> str:
        """A member of the group, as its member buttons name them."""
        user = await self.person(f"Joana Membro {next(self._serial)}")
        await self.run_as(user, f"/join {self.group_slug}")
        return await self._pair(self.group_slug, user)

    async def _make_group_report(self, _who: Who) -> str:
        user = await self.person(f"Joana Denuncia {next(self._serial)}")
        await self.run_as(user, f"/join {self.group_slug}")
        await self.run_as(user, f"/groups report {self.group_slug} insults in the channel")
        return await self._latest(GroupReport.id)

    async def _make_introduction(self, _who: Who) -> str:
        """An introduction someone asked of the member."""
        user = await self.person(f"Curious Alumnus {next(self._serial)}")
        await self.press_as(
            user,
            "directory.contact.send",
            str(self.member_ids[Who.MEMBER]),
            {"message": "We studied in Lyon at the same time."},
        )
        return await self._latest(Introduction.id)

    async def _make_contact_request(self, _who: Who) -> str:
        """A request to the company, which its representative answers."""
        user = await self.person(f"Job Seeker {next(self._serial)}")
        await self.run_as(user, f"/contact {COMPANY} Do you take interns in Recife?")
        return await self._latest(ContactRequest.id)

    async def _make_mentor_request(self, _who: Who) -> str:
        """A student asking the member, a mentor, for help. Her earlier mentees have moved on
        (they would fill her capacity)."""
        async with self.app.db.sessions.begin() as session:
            await session.execute(
                update(MentorRequest)
                .where(MentorRequest.mentor_id == self.member_ids[Who.MEMBER])
                .values(state="declined")
            )
        user = await self.person(f"Future Student {next(self._serial)}")
        await self.press_as(
            user,
            "mentor.ask.send",
            f"{self.member_ids[Who.MEMBER]}:school",
            {"message": "Which school for aeronautics?"},
        )
        return await self._latest(MentorRequest.id)

    async def _make_accepted_mentor_request(self, who: Who) -> str:
        request = await self._make_mentor_request(who)
        await self.press(Who.MEMBER, "mentor.accept", request, {})
        return request

    async def _make_coffee_round(self, _who: Who) -> str:
        return str(self.coffee_round)

    async def _make_coffee_partner(self, _who: Who) -> str:
        return str(self.coffee_partner)

    async def _make_broadcast(self, _who: Who) -> str:
        """A broadcast to Brazil, drafted and waiting for its confirmation."""
        await self.run(Who.ADMIN_HERE, f"/broadcast BR Consular day {next(self._serial)}.")
        return await self._latest(Broadcast.id)

    async def _make_sent_broadcast(self, who: Who) -> str:
        broadcast = await self._make_broadcast(who)
        await self.press(Who.ADMIN_HERE, "broadcast.confirm", broadcast, {})
        return broadcast

    async def _make_institution_draft(self, _who: Who) -> str:
        await self.run(
            Who.REPRESENTATIVE,
            f"/institution message {INSTITUTION} Open day {next(self._serial)} in Palaiseau.",
        )
        return await self._latest(InstitutionMessage.id)

    async def _make_offer_search(self, _who: Who) -> str:
        """The search an alert is saved from (what the button carries)."""
        query = OfferQuery(text=f"engineer {next(self._serial)}", country="BR")
        return OfferCursor(0, self.app.clock.now(), 0).encode(query, 1)

    async def _pair(self, slug: str, user_id: str) -> str:
        async with self.app.db.sessions() as session:
            group_id = await session.scalar(select(Group.id).where(Group.slug == slug))
            member_id = await session.scalar(
                select(PlatformAccount.member_id).where(PlatformAccount.user_id == user_id)
            )
        return f"{group_id}:{member_id}"

    async def _latest(self, column: Any) -> str:
        async with self.app.db.sessions() as session:
            found = await session.scalar(select(func.max(column)))
        assert found is not None, column
        return str(found)

    async def _make_joined_group(self, who: Who) -> str:
        """A group the person joined, not the one they moderate or are tested in."""
        slug = await self._make_new_group(who)
        if who is not Who.ANONYMOUS:
            await self.run(who, f"/join {slug}")
        return slug

    async def _make_event(self, _who: Who) -> str:
        await self.press(
            Who.ADMIN_HERE,
            "events.save",
            "BR",
            {
                "title_en": f"Alumni evening {next(self._serial)}",
                "title_pt": "Noite dos antigos alunos",
                "description_en": "Drinks at the consulate.",
                "place": "Consulado, Recife",
                "start": "2026-04-10 19:00",
                "end": "22:00",
            },
        )
        async with self.app.db.sessions() as session:
            found = await session.scalar(select(func.max(Event.id)))
        assert found is not None
        return str(found)

    async def _make_claim_code(self, _who: Who) -> str:
        """The code an institution mailed to an alumna it imported (no account yet)."""
        async with self.app.db.sessions.begin() as session:
            member = _member(f"Imported Alumna {next(self._serial)}", "BR", "pt_BR")
            session.add(member)
            await session.flush()
            return await issue_code(session, member.id, CLAIM, now=self.app.clock.now())

    async def _make_email(self, _who: Who) -> str:
        name = f"Future Attache {next(self._serial)}"
        await self.person(name)
        return _email(name)

    # --- what the person did before the cell ----------------------------------------------
    async def prepare(self, given: Given | None, who: Who) -> int | None:
        """Do what the row assumes; a group chat's id when the row is typed in one."""
        if given is None:
            return None
        if given in (Given.IN_A_CHANNEL, Given.IN_THE_CHANNEL):
            chat = -1_000_000 - next(self._serial)
            if given is Given.IN_THE_CHANNEL:
                await self.app.dispatcher.handle(
                    Incoming(
                        platform=Platform.TELEGRAM,
                        user_id=str(TELEGRAM_IDS[Who.MODERATOR]),
                        chat_id=str(chat),
                        chat_kind=ChatKind.GROUP,
                        text=f"/groups map {self.group_slug}",
                    )
                )
            return chat
        if who is Who.ANONYMOUS:
            return None
        if given is Given.MENTOR:
            await self.press(
                who,
                "mentor.save",
                "",
                {"topics": "school", "languages": "pt", "capacity": "2", "cadence": "monthly"},
            )
        elif given is Given.IN_COFFEE:
            await self.run(who, "/coffee join country:BR", may_fail=True)
        elif given is Given.OUT_OF_COFFEE:
            await self.run(who, "/coffee leave country:BR", may_fail=True)
        return None

    async def group(self, name: str, *, visibility: str = "open", founder: str = "") -> str:
        """A new group of Brazil, owned by its founder (by default a new member); its slug."""
        founder = founder or await self.person(f"Founder {next(self._serial)}")
        await self.press_as(
            founder,
            "groups.create",
            "en",
            {
                "name_en": name,
                "description_en": "Alumni of the region.",
                "kind": "region",
                "country": "BR",
                "visibility": visibility,
            },
        )
        async with self.app.db.sessions() as session:
            slug = await session.scalar(select(Group.slug).order_by(Group.id.desc()).limit(1))
        assert slug is not None
        return slug

    # --- what a refusal names -------------------------------------------------------------
    def refusal_params(self, locale: str) -> dict[str, str]:
        with use_locale(locale):
            countries = ", ".join(country_name(code) for code in ("FR", "BR"))
        return {
            "organisation": "Airbus",
            "countries": countries,
            "group": GROUP_NAME,
        }

    async def forget_anonymous(self) -> None:
        """An allowed /link or /start made the anonymous account a member: undo it."""
        async with self.app.db.sessions.begin() as session:
            await session.execute(
                delete(PlatformAccount).where(
                    PlatformAccount.user_id.in_(
                        [console_id(Who.ANONYMOUS), str(TELEGRAM_IDS[Who.ANONYMOUS])]
                    )
                )
            )

    # --- acting through the core, to build the world ---------------------------------------
    async def run(self, who: Who, text: str, *, may_fail: bool = False) -> list[Reply]:
        return await self.run_as(console_id(who), text, may_fail=may_fail)

    async def run_as(self, user_id: str, text: str, *, may_fail: bool = False) -> list[Reply]:
        replies = await self.app.dispatcher.handle(
            Incoming(platform=Platform.CONSOLE, user_id=user_id, text=text)
        )
        assert may_fail or not replies[0].error, f"{text}: {replies[0].text}"
        return replies

    async def press(self, who: Who, action: str, payload: str, values: dict[str, str]) -> None:
        await self.press_as(console_id(who), action, payload, values)

    async def press_as(
        self, user_id: str, action: str, payload: str, values: dict[str, str]
    ) -> None:
        [reply, *_] = await self.app.dispatcher.handle(
            Incoming(
                platform=Platform.CONSOLE,
                user_id=user_id,
                action=action,
                payload=payload,
                form_values=values,
            )
        )
        assert not reply.error, f"{action}: {reply.text}"

    async def person(self, name: str, country: str = "BR") -> str:
        """A plain member with a console account; returns the account's user id."""
        async with self.app.db.sessions.begin() as session:
            member = _member(name, country, "pt_BR", email=_email(name))
            session.add(member)
            await session.flush()
            session.add(
                PlatformAccount(
                    platform=Platform.CONSOLE, user_id=_email(name), member_id=member.id
                )
            )
        return _email(name)


def _email(name: str) -> str:
    return fold(name).replace(" ", ".") + "@matrix.example"


def _member(name: str, country: str, language: str, *, email: str | None = None) -> Member:
    return Member(
        full_name=name,
        name_key=fold(name),
        email=email,
        country_code=country,
        city="Recife" if country == "BR" else None,
        preferred_language=language,
        directory_consent=True,
        visibility=Visibility.LISTED,
        search_document=fold(name),
    )


async def build_world(app: App) -> World:
    """Countries, organisations, the seven people, the chapters of BR and JP and the group."""
    await seed_demo(app.db, members=0, seed=7)
    member_ids: dict[Who, int] = {}
    async with app.db.sessions.begin() as session:
        orgs = dict((await session.execute(select(Organisation.slug, Organisation.id))).all())
        session.add(OrganisationCountry(organisation_id=orgs[COMPANY], country_code="BR"))
        for who, (name, country, language) in PEOPLE.items():
            member = _member(name, country, language, email=console_id(who))
            session.add(member)
            await session.flush()
            member_ids[who] = member.id
            for platform, user_id in (
                (Platform.CONSOLE, console_id(who)),
                (Platform.TELEGRAM, str(TELEGRAM_IDS[who])),
            ):
                session.add(
                    PlatformAccount(platform=platform, user_id=user_id, member_id=member.id)
                )
        grants = {
            Who.REPRESENTATIVE: [
                (Role.REPRESENTATIVE, orgs[COMPANY], None),
                (Role.REPRESENTATIVE, orgs[INSTITUTION], None),
            ],
            Who.ADMIN_HERE: [(Role.COUNTRY_ADMIN, None, "BR")],
            Who.ADMIN_ELSEWHERE: [(Role.COUNTRY_ADMIN, None, "JP")],
            Who.GLOBAL_ADMIN: [(Role.GLOBAL_ADMIN, None, None)],
        }
        for who, rows in grants.items():
            for role, organisation, country in rows:
                session.add(
                    RoleGrant(
                        member_id=member_ids[who],
                        role=role,
                        organisation_id=organisation,
                        country_code=country,
                    )
                )
    world = World(app, member_ids)
    for country, languages in (("BR", "pt,fr"), ("JP", "ja,fr")):
        await world.run(Who.GLOBAL_ADMIN, f"/chapter open {country} languages:{languages}")
    world.group_slug = slug = await world.group(GROUP_NAME)
    async with app.db.sessions() as session:
        owner = await session.scalar(
            select(PlatformAccount.user_id)
            .join(Group, Group.owner_id == PlatformAccount.member_id)
            .where(Group.slug == slug)
        )
    assert owner is not None
    await world.run(Who.MODERATOR, f"/join {slug}")
    await world.run_as(owner, f"/groups moderator {slug} {PEOPLE[Who.MODERATOR][0]}")
    world.closed_slug = closed = await world.group(CLOSED_GROUP, visibility="closed", founder=owner)
    await world.run(Who.MODERATOR, f"/join {closed}")
    await world.press_as(
        owner, "groups.approve", await world._pair(closed, console_id(Who.MODERATOR)), {}
    )
    await world.run_as(owner, f"/groups moderator {closed} {PEOPLE[Who.MODERATOR][0]}")
    partner = await world.person("Bia Cafe")
    for user in (console_id(Who.MEMBER), partner):
        await world.run_as(user, "/coffee join country:BR")
    result = await run_coffee_round(app, "BR", app.clock.now())
    assert result is not None and result.groups, result
    world.coffee_round = result.round_id
    world.coffee_partner = int((await world._pair(slug, partner)).split(":")[1])
    await world.press(
        Who.MEMBER,
        "mentor.save",
        "",
        {"topics": "school", "languages": "pt", "capacity": "10", "cadence": "monthly"},
    )
    return world
