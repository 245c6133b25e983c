"""`alumni import members FILE.csv --institution NAME`: an institution's alumni list.

Columns: full_name,email,country,city,institution,degree,field,graduation_year,sector,
languages,directory_consent (``languages`` separated by ``;``; consent yes/no). Rows without
consent are kept but never listed. Bad rows are reported with their line number and skipped.
Idempotent on institution + e-mail: a known e-mail gets the study added if it lacks it, and
its profile is otherwise left as the member keeps it.

Rows are read and checked in Python (which reports bad ones by line), then written in batches.
On PostgreSQL a batch is copied (``COPY``, binary) into a temporary table and written with two
set-based statements, which keeps a million rows within minutes; SQLite, and an import that
writes claim codes, insert through executemany.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from sqlalchemy import bindparam, insert, select, text

from ..chat.forms import _EMAIL_RE
from ..db import Database
from ..db.base import UTCDateTime, table_of
from ..db.models import Education, Member
from ..db.statistics import refresh_statistics
from ..domain import Visibility, fold
from ..errors import UserError
from ..i18n import N_, gettext
from .countries import ensure_countries
from .documents import remember_terms
from .linking import CLAIM, issue_code
from .members import find_or_create_institution

__all__ = ["COLUMNS", "ImportReport", "import_members"]

COLUMNS = (
    "full_name",
    "email",
    "country",
    "city",
    "institution",
    "degree",
    "field",
    "graduation_year",
    "sector",
    "languages",
    "directory_consent",
)
BATCH = 5000
_YES = {"yes", "y", "true", "1", "oui", "o", "si", "sí", "sim", "ja"}
_NO = {"no", "n", "false", "0", "non", "não", "nao", "nein", ""}
Progress = Callable[[int], None]


@dataclass
class ImportReport:
    created: int = 0
    studies_added: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    codes_written: int = 0


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    full_name: str
    email: str
    country: str | None
    city: str | None
    institution: str | None
    degree: str | None
    field: str | None
    graduation_year: int | None
    sector: str | None
    languages: list[str]
    consent: bool
    name_key: str
    city_key: str | None
    school_key: str
    document: str


def _clean(value: str | None, limit: int) -> str | None:
    value = (value or "").strip()
    if len(value) > limit:
        raise UserError(
            N_("{value} is longer than {limit} characters"), value=value[:20] + "…", limit=limit
        )
    return value or None


def _parse_row(
    line: int, raw: dict[str, str | None], countries: set[str], default_institution: str
) -> _Row:
    name = _clean(raw.get("full_name"), 200)
    if not name:
        raise UserError(N_("full_name is empty"))
    email = (_clean(raw.get("email"), 320) or "").lower()
    if not _EMAIL_RE.match(email):
        raise UserError(N_("{value} is not an e-mail address"), value=email or "—")
    country = (_clean(raw.get("country"), 2) or "").upper() or None
    if country is not None and country not in countries:
        raise UserError(N_("{value} is not a two-letter country code"), value=country)
    year_text = _clean(raw.get("graduation_year"), 4)
    year = None
    if year_text:
        if not year_text.isdigit() or not 1900 <= int(year_text) <= 2100:
            raise UserError(N_("{value} is not a graduation year"), value=year_text)
        year = int(year_text)
    consent_text = (raw.get("directory_consent") or "").strip().lower()
    if consent_text not in _YES | _NO:
        raise UserError(
            N_("directory_consent must be yes or no, not {value}"), value=consent_text[:20]
        )
    languages = [
        code.strip().lower() for code in (raw.get("languages") or "").split(";") if code.strip()
    ]
    if any(len(code) > 16 for code in languages):
        raise UserError(N_("languages are codes separated by ;"))
    city = _clean(raw.get("city"), 120)
    institution = _clean(raw.get("institution"), 200)
    sector = _clean(raw.get("sector"), 80)
    field_of_study = _clean(raw.get("field"), 120)
    name_key = fold(name)
    city_key = fold(city) if city else None
    school_key = fold(institution or default_institution)
    # The same words search_document() would give, each folded once.
    document = " ".join(
        p
        for p in (name_key, city_key, fold(sector or ""), school_key, fold(field_of_study or ""))
        if p
    )
    return _Row(
        line=line,
        full_name=name,
        email=email,
        country=country,
        city=city,
        institution=institution,
        degree=_clean(raw.get("degree"), 120),
        field=field_of_study,
        graduation_year=year,
        sector=sector,
        languages=languages,
        consent=consent_text in _YES,
        name_key=name_key,
        city_key=city_key,
        school_key=school_key,
        document=document,
    )


def _rows(
    source: TextIO, report: ImportReport, countries: set[str], default_institution: str
) -> Iterator[_Row]:
    reader = csv.DictReader(source)
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise UserError(N_("The file lacks the columns: {columns}"), columns=", ".join(missing))
    seen: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num
        try:
            row = _parse_row(line, raw, countries, default_institution)
        except UserError as exc:
            report.rejected.append((line, exc.message))
            continue
        if row.email in seen:
            report.rejected.append(
                (line, gettext("the e-mail repeats line {line}", line=seen[row.email]))
            )
            continue
        seen[row.email] = line
        yield row


def _batches(rows: Iterable[_Row]) -> Iterator[list[_Row]]:
    batch: list[_Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


async def import_members(
    db: Database,
    source: TextIO,
    institution: str,
    *,
    now: dt.datetime,
    progress: Progress | None = None,
    codes_out: TextIO | None = None,
) -> ImportReport:
    from babel import Locale

    countries = {str(c) for c in Locale("en").territories if len(str(c)) == 2 and str(c).isalpha()}
    report = ImportReport()
    stream = source
    codes = csv.writer(codes_out) if codes_out is not None else None
    if codes is not None:
        codes.writerow(["email", "full_name", "claim_code"])
    async with db.sessions.begin() as session:
        importer = await find_or_create_institution(session, institution)
        importer_id = importer.id
        institution_ids: dict[str, int] = {fold(institution): importer_id}
    # Reading, checking and folding the next batch (a worker thread) overlaps with writing the
    # current one (the database driver's thread).
    batches = _batches(_rows(stream, report, countries, institution))
    batch = await asyncio.to_thread(next, batches, None)
    done = 0
    while batch is not None:
        following = asyncio.create_task(asyncio.to_thread(next, batches, None))
        async with db.sessions.begin() as session:
            for row in batch:
                if row.school_key not in institution_ids:
                    found = await find_or_create_institution(
                        session, row.institution or institution
                    )
                    institution_ids[row.school_key] = found.id
            if codes is None and session.get_bind().dialect.name == "postgresql":
                await _copy_batch(session, batch, importer_id, institution_ids, report, now)
            else:
                await _import_batch(
                    session, batch, importer_id, institution_ids, report, now, codes
                )
        done += len(batch)
        if progress is not None:
            progress(done)
        batch = await following
    await refresh_statistics(db)
    return report


async def _import_batch(
    session: Any,
    batch: list[_Row],
    importer_id: int,
    institution_ids: dict[str, int],
    report: ImportReport,
    now: dt.datetime,
    codes: Any,
) -> None:
    emails = [r.email for r in batch]
    existing = dict(
        (
            await session.execute(select(Member.email, Member.id).where(Member.email.in_(emails)))
        ).all()
    )

    def study_of(row: _Row) -> int:
        return institution_ids[row.school_key]

    if existing:
        known = set(
            (
                await session.execute(
                    select(Education.member_id, Education.institution_id).where(
                        Education.member_id.in_(list(existing.values()))
                    )
                )
            ).all()
        )
        additions = []
        for row in batch:
            member_id = existing.get(row.email)
            if member_id is None:
                continue
            if (member_id, study_of(row)) in known:
                report.unchanged += 1
            else:
                additions.append(_education(row, member_id, study_of(row)))
                report.studies_added += 1
        if additions:
            await session.execute(insert(Education), additions)
    new = [row for row in batch if row.email not in existing]
    if not new:
        return
    await ensure_countries(session, {row.country for row in new})
    members: list[dict[str, Any]] = [
        {
            "full_name": row.full_name,
            "name_key": row.name_key,
            "email": row.email,
            "country_code": row.country,
            "city": row.city,
            "city_key": row.city_key,
            "sector": row.sector,
            "languages": row.languages,
            "preferred_language": None,
            "directory_consent": row.consent,
            "consent_at": now if row.consent else None,
            "visibility": Visibility.LISTED,
            "search_document": row.document,
            "imported_by_id": importer_id,
            "created_at": now,
            "updated_at": now,
        }
        for row in new
    ]
    # A plain executemany, then the new ids by e-mail: INSERT … RETURNING in parameter order
    # would run row by row on SQLite.
    connection = await session.connection()
    await connection.execute(insert(table_of(Member)), members)
    by_email = dict(
        (
            await connection.execute(
                select(Member.email, Member.id).where(Member.email.in_([r.email for r in new]))
            )
        ).all()
    )
    ids = [by_email[row.email] for row in new]
    await connection.execute(
        insert(table_of(Education)),
        [
            _education(row, member_id, study_of(row))
            for row, member_id in zip(new, ids, strict=True)
        ],
    )
    await remember_terms(session, [m["search_document"] for m in members])
    report.created += len(new)
    if codes is not None:
        for row, member_id in zip(new, ids, strict=True):
            codes.writerow(
                [row.email, row.full_name, await issue_code(session, member_id, CLAIM, now=now)]
            )
            report.codes_written += 1


_STAGING = (
    ("line", "integer"),
    ("full_name", "text"),
    ("name_key", "text"),
    ("email", "text"),
    ("country_code", "text"),
    ("city", "text"),
    ("city_key", "text"),
    ("sector", "text"),
    ("languages", "text"),
    ("directory_consent", "boolean"),
    ("search_document", "text"),
    ("institution_id", "integer"),
    ("degree", "text"),
    ("field", "text"),
    ("graduation_year", "integer"),
)
_CREATE_STAGING = text(
    "CREATE TEMPORARY TABLE import_rows ("
    + ", ".join(f"{name} {kind}" for name, kind in _STAGING)
    + ") ON COMMIT DROP"
)
# The staging table has no statistics: left to itself, the planner joins it to members and
# education by reading them whole, once per batch. Scalar subqueries, which PostgreSQL never
# turns into joins, keep every check an index look-up.
# Known e-mails: the study is added unless the member has one at that institution already.
_ADD_STUDIES = text("""
WITH known AS (
    SELECT * FROM (
        SELECT (SELECT m.id FROM members m WHERE m.email = r.email) AS member_id,
            r.institution_id, r.degree, r.field, r.graduation_year, r.line
        FROM import_rows r
    ) k
    WHERE k.member_id IS NOT NULL
), added AS (
    INSERT INTO education (member_id, institution_id, degree, field, graduation_year)
    SELECT k.member_id, k.institution_id, k.degree, k.field, k.graduation_year
    FROM known k
    WHERE (
        SELECT e.id FROM education e
        WHERE e.member_id = k.member_id AND e.institution_id = k.institution_id
        LIMIT 1
    ) IS NULL
    ORDER BY k.line
    RETURNING 1
)
SELECT (SELECT count(*) FROM known), (SELECT count(*) FROM added)
""")
# New e-mails: the member and the study, in file order; the lines created come back.
_ADD_MEMBERS = text("""
WITH created AS (
    INSERT INTO members (
        full_name, name_key, email, country_code, city, city_key, sector, languages,
        directory_consent, consent_at, visibility, search_document, imported_by_id,
        created_at, updated_at
    )
    SELECT r.full_name, r.name_key, r.email, r.country_code, r.city, r.city_key, r.sector,
        CAST(r.languages AS jsonb), r.directory_consent,
        CASE WHEN r.directory_consent THEN :now END, :listed, r.search_document, :importer,
        :now, :now
    FROM import_rows r
    WHERE (SELECT m.id FROM members m WHERE m.email = r.email) IS NULL
    ORDER BY r.line
    ON CONFLICT (email) DO NOTHING
    RETURNING id, email
), studies AS (
    INSERT INTO education (member_id, institution_id, degree, field, graduation_year)
    SELECT c.id, r.institution_id, r.degree, r.field, r.graduation_year
    FROM created c JOIN import_rows r ON r.email = c.email
    ORDER BY c.id
)
SELECT r.line FROM created c JOIN import_rows r ON r.email = c.email
""").bindparams(bindparam("now", type_=UTCDateTime()))


async def _copy_batch(
    session: Any,
    batch: list[_Row],
    importer_id: int,
    institution_ids: dict[str, int],
    report: ImportReport,
    now: dt.datetime,
) -> None:
    """The PostgreSQL batch: COPY into a temporary table, then two set-based statements."""
    await ensure_countries(session, {row.country for row in batch})
    connection = await session.connection()
    await connection.execute(_CREATE_STAGING)
    raw = await connection.get_raw_connection()
    await raw.driver_connection.copy_records_to_table(
        "import_rows",
        columns=[name for name, _kind in _STAGING],
        records=[
            (
                row.line,
                row.full_name,
                row.name_key,
                row.email,
                row.country,
                row.city,
                row.city_key,
                row.sector,
                json.dumps(row.languages),
                row.consent,
                row.document,
                institution_ids[row.school_key],
                row.degree,
                row.field,
                row.graduation_year,
            )
            for row in batch
        ],
    )
    known, added = (await connection.execute(_ADD_STUDIES)).one()
    report.studies_added += added
    report.unchanged += known - added
    created = set(
        (
            await connection.execute(
                _ADD_MEMBERS,
                {"now": now, "listed": Visibility.LISTED.value, "importer": importer_id},
            )
        ).scalars()
    )
    report.created += len(created)
    await remember_terms(session, [row.document for row in batch if row.line in created])


def _education(row: _Row, member_id: int, institution_id: int) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "institution_id": institution_id,
        "degree": row.degree,
        "field": row.field,
        "graduation_year": row.graduation_year,
    }
