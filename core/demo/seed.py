"""`alumni seed --demo`: deterministic synthetic alumni, organisations and embassies.

Member ``i`` is drawn from its own PRNG seeded by (seed, i), so the same seed gives the same
people whatever the batch size, and re-running inserts only what is missing (idempotent).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from babel import Locale
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db import Database
from ..db.base import table_of
from ..db.models import Country, Education, Member, Organisation, PlatformAccount, RoleGrant
from ..db.statistics import refresh_statistics
from ..directory.documents import remember_terms, search_document
from ..domain import OrganisationKind, Platform, Role, Visibility, fold
from . import data

_SCHOOL_NAMES = {slug: name for slug, name, _city in data.INSTITUTIONS}

__all__ = ["SeedReport", "seed_demo"]

BATCH = 2000
_EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
Progress = Callable[[int, int], None]


@dataclass
class SeedReport:
    countries: int = 0
    organisations: int = 0
    members: int = 0
    roles: int = 0


def _country_rows() -> list[dict[str, Any]]:
    rows = [
        {
            "code": "FR",
            "languages": ["fr", "en"],
            "time_zone": "Europe/Paris",
            "default_language": "fr",
        }
    ]
    for code, (tz, local, *_rest) in data.COUNTRIES.items():
        default = local[0] if local else ("en" if code in ("US", "NG") else "fr")
        rows.append(
            {
                "code": code,
                "languages": ["fr", "en", *local],
                "time_zone": tz,
                "default_language": default,
            }
        )
    return rows


def _organisation_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for slug, name, city in data.INSTITUTIONS:
        rows.append(
            {
                "slug": slug,
                "name": name,
                "name_key": fold(name),
                "kind": OrganisationKind.INSTITUTION,
                "country_code": "FR",
                "sector": "education",
                "website": None,
                "descriptions": {
                    "fr": f"Établissement d'enseignement supérieur à {city}.",
                    "en": f"Higher-education institution in {city}.",
                },
            }
        )
    for slug, name, sector in data.COMPANIES:
        rows.append(
            {
                "slug": slug,
                "name": name,
                "name_key": fold(name),
                "kind": OrganisationKind.COMPANY,
                "country_code": "FR",
                "sector": sector,
                "website": None,
                "descriptions": {},
            }
        )
    french = Locale("fr")
    for code in data.COUNTRIES:
        name = f"Ambassade de France — {french.territories[code]}"
        rows.append(
            {
                "slug": f"embassy-{code.lower()}",
                "name": name,
                "name_key": fold(name),
                "kind": OrganisationKind.PUBLIC_BODY,
                "country_code": code,
                "sector": "public sector",
                "website": None,
                "descriptions": {},
            }
        )
    return rows


def _fixed_members() -> list[tuple[str, dict[str, Any]]]:
    """The named members examples and tests rely on: (institution slug, member row)."""

    def row(spec: tuple[Any, ...], email: str) -> dict[str, Any]:
        name, country, city, sector, languages, preferred = spec
        return {
            "full_name": name,
            "name_key": fold(name),
            "email": email,
            "country_code": country,
            "city": city,
            "sector": sector,
            "languages": list(languages),
            "preferred_language": preferred,
            "directory_consent": True,
            "visibility": Visibility.LISTED,
        }

    admin = ("Claire Dubois", "FR", "Paris", "public sector", ("fr", "en"), "fr")
    attache = ("Hélène Marchand", "BR", "Brasília", "public sector", ("fr", "pt", "en"), "fr")
    return [
        ("universite-paris-saclay", row(data.DEMO_MEMBER, data.DEMO_EMAIL)),
        ("ecole-polytechnique", row(data.ZOE, data.ZOE_EMAIL)),
        ("sciences-po", row(admin, data.ADMIN_EMAIL)),
        ("sciences-po", row(attache, "attache.br@france-alumni.example")),
    ]


def _member(
    seed: int, index: int, institutions: list[str]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    rng = random.Random(seed * 1_000_003 + index)
    code = rng.choice(list(data.COUNTRIES))
    _tz, local, cities, given, family = data.COUNTRIES[code]
    name = f"{rng.choice(given)} {rng.choice(family)}"
    if rng.random() < 0.15:
        name = f"{rng.choice(given)} {name}"
    consent = rng.random() < 0.85
    languages = ["fr", *local[:1], *(["en"] if rng.random() < 0.7 else [])]
    member = {
        "full_name": name,
        "name_key": fold(name),
        "email": f"alumnus{index:07d}@demo.france-alumni.example",
        "country_code": code,
        "city": rng.choice(cities),
        "sector": rng.choice(data.SECTORS),
        "languages": languages,
        "preferred_language": rng.choice([None, "fr", "en", *local[:1]]),
        "directory_consent": consent,
        "visibility": Visibility.HIDDEN if rng.random() < 0.1 else Visibility.LISTED,
    }
    studies: list[dict[str, Any]] = []
    for _ in range(1 if rng.random() < 0.8 else 2):
        studies.append(
            {
                "slug": rng.choice(institutions),
                "degree": rng.choice(data.DEGREES),
                "field": rng.choice(data.FIELDS),
                "graduation_year": rng.randint(1985, 2026),
            }
        )
    return member, studies


async def _insert_missing(
    session: AsyncSession, model: Any, key: str, rows: list[dict[str, Any]]
) -> int:
    column = getattr(model, key)
    wanted = [r[key] for r in rows]
    existing = set((await session.scalars(select(column).where(column.in_(wanted)))).all())
    missing = [r for r in rows if r[key] not in existing]
    if missing:
        await session.execute(insert(model), missing)
    return len(missing)


def _batches(total: int) -> Iterator[range]:
    for start in range(0, total, BATCH):
        yield range(start, min(start + BATCH, total))


async def seed_demo(
    db: Database, *, members: int = 500, seed: int = 42, progress: Progress | None = None
) -> SeedReport:
    report = SeedReport()
    async with db.sessions.begin() as session:
        report.countries = await _insert_missing(session, Country, "code", _country_rows())
        report.organisations = await _insert_missing(
            session, Organisation, "slug", _organisation_rows()
        )
    async with db.sessions() as session:
        org_ids = dict((await session.execute(select(Organisation.slug, Organisation.id))).all())
    institutions = [slug for slug, _name, _city in data.INSTITUTIONS]

    fixed = _fixed_members()
    async with db.sessions.begin() as session:
        report.members += await _add_members(
            session,
            [
                (
                    m,
                    [
                        {
                            "slug": slug,
                            "degree": "Master",
                            "field": "Engineering",
                            "graduation_year": 2019,
                        }
                    ],
                )
                for slug, m in fixed
            ],
            org_ids,
        )
        report.roles += await _grant_demo_roles(session, org_ids)

    done = 0
    for batch in _batches(members):
        generated = [_member(seed, i, institutions) for i in batch]
        async with db.sessions.begin() as session:
            report.members += await _add_members(session, generated, org_ids)
        done += len(batch)
        if progress is not None:
            progress(done, members)
    await refresh_statistics(db)
    return report


async def _add_members(
    session: AsyncSession,
    items: list[tuple[dict[str, Any], list[dict[str, Any]]]],
    org_ids: dict[str, int],
) -> int:
    emails = [m["email"] for m, _ in items]
    existing = set(
        (await session.scalars(select(Member.email).where(Member.email.in_(emails)))).all()
    )
    new = [(m, studies) for m, studies in items if m["email"] not in existing]
    if not new:
        return 0
    for member, studies in new:
        member["city_key"] = fold(member["city"]) if member.get("city") else None
        member["search_document"] = search_document(
            member["full_name"],
            member.get("city"),
            member.get("sector"),
            [x for s in studies for x in (_SCHOOL_NAMES.get(s["slug"]), s["field"])],
        )
    # Core executemany (not ORM bulk, not RETURNING, which SQLite runs row by row), then the
    # new ids by e-mail.
    connection = await session.connection()
    await connection.execute(insert(table_of(Member)), [member for member, _ in new])
    by_email = dict(
        (
            await connection.execute(
                select(Member.email, Member.id).where(
                    Member.email.in_([member["email"] for member, _ in new])
                )
            )
        ).all()
    )
    education_rows = [
        {
            "member_id": member_id,
            "institution_id": org_ids[s["slug"]],
            "degree": s["degree"],
            "field": s["field"],
            "graduation_year": s["graduation_year"],
        }
        for member, studies in new
        for s in studies
        for member_id in (by_email[member["email"]],)
    ]
    await connection.execute(insert(table_of(Education)), education_rows)
    await remember_terms(session, [member["search_document"] for member, _ in new])
    # Every demo member can be reached in the console (`alumni console --as EMAIL`).
    await connection.execute(
        insert(table_of(PlatformAccount)),
        [
            {
                "platform": Platform.CONSOLE,
                "workspace": "",
                "user_id": member["email"],
                "member_id": by_email[member["email"]],
                "handle": member["email"],
                "created_at": member.get("created_at") or _EPOCH,
            }
            for member, _ in new
        ],
    )
    return len(new)


async def _grant_demo_roles(session: AsyncSession, org_ids: dict[str, int]) -> int:
    ids = dict(
        (
            await session.execute(
                select(Member.email, Member.id).where(
                    Member.email.in_(
                        [data.ADMIN_EMAIL, "attache.br@france-alumni.example", data.DEMO_EMAIL]
                    )
                )
            )
        ).all()
    )
    wanted = [
        (ids[data.ADMIN_EMAIL], Role.GLOBAL_ADMIN, None, None),
        (ids["attache.br@france-alumni.example"], Role.COUNTRY_ADMIN, None, "BR"),
        (ids["attache.br@france-alumni.example"], Role.REPRESENTATIVE, org_ids["embassy-br"], None),
    ]
    added = 0
    for member_id, role, org, country in wanted:
        present = await session.scalar(
            select(RoleGrant.id).where(
                RoleGrant.member_id == member_id,
                RoleGrant.role == role,
                RoleGrant.organisation_id.is_(None)
                if org is None
                else RoleGrant.organisation_id == org,
                RoleGrant.country_code.is_(None)
                if country is None
                else RoleGrant.country_code == country,
            )
        )
        if present is None:
            session.add(
                RoleGrant(member_id=member_id, role=role, organisation_id=org, country_code=country)
            )
            added += 1
    return added
