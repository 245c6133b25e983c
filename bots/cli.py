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

    sub.add_parser("run", help="run the bots that have tokens configured (else the console)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"alumni: error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if settings.log_level.lower() != "debug":
        logging.getLogger("alembic").setLevel(logging.WARNING)
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
        case "run":
            configured = [
                name
                for name, token in (
                    ("telegram", settings.telegram_token),
                    ("slack", settings.slack_bot_token),
                    ("discord", settings.discord_token),
                )
                if token is not None
            ]
            if configured:
                print(
                    "alumni run: platform adapters are not available in this version "
                    f"(configured: {', '.join(configured)})",
                    file=sys.stderr,
                )
                return 2
            print("alumni run: no platform token set; starting the console", file=sys.stderr)
            return await _console(settings, "demo")
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
