"""Demo data: deterministic, idempotent, diverse."""

from __future__ import annotations

from sqlalchemy import func, select

from core.bootstrap import App
from core.db.models import Country, Education, Member, Organisation, RoleGrant
from core.demo import seed_demo
from core.domain import OrganisationKind, Role


async def _people(app: App) -> list[tuple[str, str | None, str | None, bool]]:
    async with app.db.sessions() as session:
        rows = await session.execute(
            select(Member.email, Member.full_name, Member.city, Member.directory_consent).order_by(
                Member.email
            )
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_same_seed_gives_the_same_people_and_reseeding_adds_nothing(app: App) -> None:
    first = await seed_demo(app.db, members=120, seed=3)
    people = await _people(app)
    again = await seed_demo(app.db, members=120, seed=3)
    assert first.members == 124  # 120 generated + the 4 named members
    assert again.members == again.countries == again.organisations == again.roles == 0
    assert await _people(app) == people


async def test_people_do_not_depend_on_how_many_are_seeded(app: App) -> None:
    await seed_demo(app.db, members=30, seed=3)
    small = await _people(app)
    await seed_demo(app.db, members=60, seed=3)  # adds 30 more, the first 30 unchanged
    assert set(small) <= set(await _people(app))
    assert len(await _people(app)) == 64


async def test_demo_spans_thirty_countries_scripts_schools_companies_and_embassies(
    app: App,
) -> None:
    await seed_demo(app.db, members=400, seed=1)
    async with app.db.sessions() as session:
        countries = await session.scalar(select(func.count(func.distinct(Member.country_code))))
        names = (await session.scalars(select(Member.full_name))).all()
        kinds = dict(
            (
                await session.execute(
                    select(Organisation.kind, func.count()).group_by(Organisation.kind)
                )
            ).all()
        )
        education = await session.scalar(select(func.count()).select_from(Education))
        roles = set((await session.scalars(select(RoleGrant.role))).all())
        country_rows = await session.scalar(select(func.count()).select_from(Country))
    assert countries is not None and countries >= 30
    assert country_rows is not None and country_rows >= 31
    assert any(any(ch in "àâäéèêëïîôöùûüçãõñ" for ch in n.lower()) for n in names)
    assert any("\u0400" <= ch <= "\u04ff" for n in names for ch in n)  # Cyrillic
    assert any("\u0600" <= ch <= "\u06ff" for n in names for ch in n)  # Arabic
    assert any("\u4e00" <= ch <= "\u9fff" for n in names for ch in n)  # Han
    assert kinds[OrganisationKind.INSTITUTION] >= 20
    assert kinds[OrganisationKind.COMPANY] >= 20
    assert kinds[OrganisationKind.PUBLIC_BODY] >= 30
    assert education is not None and education >= 400
    assert {Role.GLOBAL_ADMIN, Role.COUNTRY_ADMIN, Role.REPRESENTATIVE} <= roles
