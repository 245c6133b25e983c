"""The installed `alumni` command, as a person or a script would run it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ALUMNI = Path(sys.executable).with_name("alumni")


def _run(args: list[str], db: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "ALUMNI_DATABASE_URL": db, "ALUMNI_LOG_LEVEL": "warning", **env}
    environment.pop("LANG", None)
    return subprocess.run(
        [str(ALUMNI), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def test_seeded_console_prints_help_and_answers_a_search(clean_database: str) -> None:
    seeded = _run(["seed", "--demo", "--members", "50"], clean_database)
    assert seeded.returncode == 0, seeded.stderr
    done = _run(["console", "--as", "demo"], clean_database, stdin="/help\n/search x\n")
    assert done.returncode == 0, done.stderr
    assert "/search — Search the alumni directory" in done.stdout
    assert "/help — List the commands" in done.stdout
    # the second command got its own answer
    assert done.stdout.count("\n") > 5
    assert (
        "No member matches this search." in done.stdout
        or "Members matching your search:" in done.stdout
    )


def test_console_buttons_are_pressed_by_number(clean_database: str) -> None:
    assert _run(["seed", "--demo", "--members", "80"], clean_database).returncode == 0
    first = _run(["console", "--as", "demo"], clean_database, stdin="/search a\n")
    next_button = re.search(r"\[(\d+)\] Next", first.stdout)
    assert next_button is not None, first.stdout
    done = _run(
        ["console", "--as", "demo"], clean_database, stdin=f"/search a\n{next_button.group(1)}\n"
    )
    assert done.returncode == 0, done.stderr
    assert "Page 2" in done.stdout


def test_unknown_member_is_one_clear_line_and_exit_2(clean_database: str) -> None:
    assert _run(["db", "upgrade"], clean_database).returncode == 0
    done = _run(["console", "--as", "nobody@example.org"], clean_database, stdin="/help\n")
    assert done.returncode == 2
    assert "nobody@example.org" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_bad_database_url_is_one_line_naming_the_variable(tmp_path: Path) -> None:
    done = _run(["db", "upgrade"], "mysql://root@localhost/x")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("alumni: error: ALUMNI_DATABASE_URL: ")
