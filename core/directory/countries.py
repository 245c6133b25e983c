"""Countries are created on first use, with CLDR's languages and a main time zone."""

from __future__ import annotations

from collections.abc import Iterable

from babel.core import get_global
from babel.languages import get_official_languages
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import Country

__all__ = ["ensure_countries", "main_time_zone"]

# Where a country spans several zones, the one most of its people live in.
_MAIN_ZONES = {
    "AR": "America/Argentina/Buenos_Aires",
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "CA": "America/Toronto",
    "CD": "Africa/Kinshasa",
    "CL": "America/Santiago",
    "CN": "Asia/Shanghai",
    "EC": "America/Guayaquil",
    "ES": "Europe/Madrid",
    "ID": "Asia/Jakarta",
    "KZ": "Asia/Almaty",
    "MX": "America/Mexico_City",
    "MN": "Asia/Ulaanbaatar",
    "NZ": "Pacific/Auckland",
    "PT": "Europe/Lisbon",
    "RU": "Europe/Moscow",
    "UA": "Europe/Kyiv",
    "US": "America/New_York",
    "UZ": "Asia/Tashkent",
    "FR": "Europe/Paris",
    "DE": "Europe/Berlin",
}


def main_time_zone(code: str) -> str:
    if code in _MAIN_ZONES:
        return _MAIN_ZONES[code]
    zones = get_global("territory_zones").get(code) or ()
    return str(zones[0]) if zones else "UTC"


async def ensure_countries(session: AsyncSession, codes: Iterable[str | None]) -> None:
    wanted = {c for c in codes if c}
    if not wanted:
        return
    known = set((await session.scalars(select(Country.code).where(Country.code.in_(wanted)))).all())
    for code in sorted(wanted - known):
        local = [str(lang) for lang in get_official_languages(code) if lang not in ("fr", "en")]
        session.add(
            Country(
                code=code,
                languages=["fr", "en", *local[:2]],
                time_zone=main_time_zone(code),
                default_language=local[0] if local else "fr",
            )
        )
    await session.flush()
