"""The `alumni` command: migrations, demo data, console, and running the bots."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import Sequence

from core.bootstrap import App, build_app
from core.config import ConfigError, Settings, load_settings
from core.db import create_database, upgrade
from core.directory.importer import COLUMNS
from core.errors import UserError

log = logging.getLogger("alumni")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alumni", description="France Alumni bots: the network's chat platform."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply every pending migration")

    seed = sub.add_parser("seed", help="load data")
    seed.add_argument("--demo", action="store_true", help="synthetic demo alumni (idempotent)")
    seed.add_argument("--members", type=int, default=500, help="how many alumni (default 500)")
    seed.add_argument("--seed", type=int, default=42, help="PRNG seed (default 42)")

    console = sub.add_parser("console", help="be a member in this terminal")
    console.add_argument(
        "--as", dest="handle", default="demo", help="a member's e-mail, or `demo` (default)"
    )

    demo = sub.add_parser("demo", help="seed demo data, then open the console as the demo member")
    demo.add_argument("--members", type=int, default=500)

    run = sub.add_parser("run", help="run the configured platforms (no token: the console)")
    run.add_argument(
        "--role",
        action="append",
        choices=["all", "web", "bots", "senders", "scheduler"],
        help="what this process does (repeatable; default all)",
    )

    slack = sub.add_parser("slack", help="Slack app set-up")
    slack_sub = slack.add_subparsers(dest="slack_command", required=True, metavar="ACTION")
    slack_manifest = slack_sub.add_parser(
        "manifest", help="print the Slack app manifest (YAML) generated from the commands"
    )
    slack_manifest.add_argument(
        "--request-url",
        default="https://alumni.example.org/slack/events",
        help="the public URL of POST /slack/events",
    )

    i18n = sub.add_parser("i18n", help="translation catalogs")
    i18n_sub = i18n.add_subparsers(dest="i18n_command", required=True, metavar="ACTION")
    i18n_sub.add_parser("extract", help="refresh locales/messages.pot from the marked strings")
    i18n_sub.add_parser("update", help="merge messages.pot into every locale's catalog")
    i18n_sub.add_parser("compile", help="write .mo files beside the .po files")
    i18n_sub.add_parser("check", help="list untranslated, fuzzy or broken entries (exit 1 if any)")

    outbox = sub.add_parser("outbox", help="the delivery outbox")
    outbox_sub = outbox.add_subparsers(dest="outbox_command", required=True, metavar="ACTION")
    outbox_sub.add_parser("status", help="messages per platform and state")

    members = sub.add_parser("members", help="member administration")
    members_sub = members.add_subparsers(dest="members_command", required=True, metavar="ACTION")
    claim = members_sub.add_parser(
        "claim-code", help="print a one-time code with which a member claims their profile"
    )
    claim.add_argument("email")

    imports = sub.add_parser("import", help="import data")
    imports_sub = imports.add_subparsers(dest="import_command", required=True, metavar="WHAT")
    import_members = imports_sub.add_parser(
        "members", help="an institution's alumni from a CSV file (idempotent)"
    )
    import_members.add_argument("file", help="CSV with the columns " + ",".join(COLUMNS))
    import_members.add_argument("--institution", required=True, help="the importing institution")
    import_members.add_argument(
        "--codes-out", help="write e-mail,name,claim code of each new member to this CSV file"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "i18n":
        return _i18n(args.i18n_command)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"alumni: error: {exc}", file=sys.stderr)
        return 2
    from bots.logs import configure_logging

    configure_logging(settings)
    try:
        return asyncio.run(_dispatch(args, settings))
    except UserError as exc:
        print(f"alumni: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    match args.command:
        case "db":
            db = create_database(settings.database_url)
            try:
                await upgrade(db.engine)
            finally:
                await db.dispose()
            print("database is up to date", file=sys.stderr)
            return 0
        case "seed":
            if not args.demo:
                print("alumni seed: say what to load (--demo)", file=sys.stderr)
                return 2
            app = await build_app(settings)
            try:
                await _seed(app, args.members, args.seed)
            finally:
                await app.close()
            return 0
        case "console":
            return await _console(settings, args.handle)
        case "demo":
            app = await build_app(settings)
            try:
                await _seed(app, args.members, 42)
            finally:
                await app.close()
            return await _console(settings, "demo")
        case "outbox":
            app = await build_app(settings)
            try:
                await _outbox_status(app)
            finally:
                await app.close()
            return 0
        case "members":
            app = await build_app(settings)
            try:
                print(await _claim_code(app, args.email))
            finally:
                await app.close()
            return 0
        case "import":
            app = await build_app(settings)
            try:
                return await _import_members(app, args.file, args.institution, args.codes_out)
            finally:
                await app.close()
        case "run":
            from bots.process import settle_garbage_collector
            from bots.run import ROLES, configured_platforms, run_platforms

            roles = ROLES if not args.role or "all" in args.role else tuple(args.role)
            platforms = configured_platforms(settings)
            if not platforms and not args.role:
                print("alumni run: no platform token set; starting the console", file=sys.stderr)
                return await _console(settings, "demo")
            app = await build_app(settings)
            try:
                log.info("running %s for %s", ", ".join(roles), ", ".join(platforms) or "-")
                settle_garbage_collector()
                await run_platforms(app, settings, roles=roles)
            finally:
                await app.close()
            return 0
        case "slack":
            from bots.slack import manifest_yaml
            from core.bootstrap import build_registry

            sys.stdout.write(manifest_yaml(build_registry(), request_url=args.request_url))
            return 0
    return 2


async def _seed(app: App, members: int, seed: int) -> None:
    from rich.progress import Progress

    from core.demo import seed_demo

    started = time.perf_counter()
    if sys.stderr.isatty():
        with Progress(transient=True) as bar:
            task = bar.add_task("seeding demo alumni", total=members)
            report = await seed_demo(
                app.db,
                members=members,
                seed=seed,
                progress=lambda done, _total: bar.update(task, completed=done),
            )
    else:
        report = await seed_demo(app.db, members=members, seed=seed)
    print(
        f"demo data: {report.members} members, {report.organisations} organisations, "
        f"{report.countries} countries added in {time.perf_counter() - started:.1f}s",
        file=sys.stderr,
    )


def _i18n(action: str) -> int:
    from core.i18n import tools

    match action:
        case "extract":
            print(f"wrote {tools.extract()}", file=sys.stderr)
        case "update":
            for path in tools.update():
                print(f"updated {path}", file=sys.stderr)
        case "compile":
            for path in tools.compile():
                print(f"wrote {path}", file=sys.stderr)
        case "check":
            problems = tools.check()
            for line in problems:
                print(line)
            print(f"{len(problems)} problem(s)", file=sys.stderr)
            return 1 if problems else 0
    return 0


async def _outbox_status(app: App) -> None:
    from core.delivery import outbox_counts
    from core.delivery.status import STATES

    async with app.db.sessions() as session:
        counts = await outbox_counts(session)
    print(f"{'platform':<10}" + "".join(f"{state:>13}" for state in STATES))
    for platform, states in sorted(counts.items()):
        print(f"{platform:<10}" + "".join(f"{states[state]:>13,}" for state in STATES))
    if not counts:
        print("the outbox is empty")


async def _claim_code(app: App, email: str) -> str:
    from sqlalchemy import select

    from core.db.models import Member
    from core.directory.linking import CLAIM, issue_code

    async with app.db.sessions.begin() as session:
        member_id = await session.scalar(
            select(Member.id).where(Member.email == email.strip().lower())
        )
        if member_id is None:
            raise UserError("No member has the e-mail {email}.", email=email)
        return await issue_code(session, member_id, CLAIM, now=app.clock.now())


async def _import_members(app: App, path: str, institution: str, codes_out: str | None) -> int:
    from contextlib import ExitStack

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from core.directory.importer import import_members

    started = time.perf_counter()
    with ExitStack() as stack:
        try:
            source = stack.enter_context(open(path, encoding="utf-8-sig", newline=""))  # noqa: ASYNC230
        except OSError as exc:
            print(f"alumni import: cannot read {path}: {exc.strerror}", file=sys.stderr)
            return 2
        codes = (
            stack.enter_context(open(codes_out, "w", encoding="utf-8", newline=""))  # noqa: ASYNC230
            if codes_out
            else None
        )
        progress = None
        if sys.stderr.isatty():
            bar = stack.enter_context(
                Progress(TextColumn("importing"), BarColumn(), MofNCompleteColumn(), transient=True)
            )
            task = bar.add_task("import", total=None)
            progress = lambda done: bar.update(task, completed=done)  # noqa: E731
        report = await import_members(
            app.db, source, institution, now=app.clock.now(), progress=progress, codes_out=codes
        )
    for line, reason in report.rejected:
        print(f"line {line}: {reason}", file=sys.stderr)
    print(
        f"imported: {report.created} new members, {report.studies_added} studies added to "
        f"known members, {report.unchanged} unchanged, {len(report.rejected)} rows rejected "
        f"({time.perf_counter() - started:.1f}s)",
        file=sys.stderr,
    )
    if codes_out:
        print(f"claim codes: {report.codes_written} written to {codes_out}", file=sys.stderr)
    return 0


async def _console(settings: Settings, handle: str) -> int:
    from bots.console import ConsoleAdapter

    app = await build_app(settings)
    try:
        await ConsoleAdapter(app, handle).run()
    finally:
        await app.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
