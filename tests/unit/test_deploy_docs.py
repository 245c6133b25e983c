"""The deployment documentation keeps up with the code."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from bots.run import ROLES
from core.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_table_documents_every_setting_once() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(ALUMNI_[A-Z_]+)` \|", readme, flags=re.MULTILINE)
    expected = {f"ALUMNI_{name.upper()}" for name in Settings.model_fields}
    assert expected <= set(rows)
    assert len(rows) == len(set(rows))


def test_every_systemd_unit_runs_a_known_role_or_the_migrations() -> None:
    units = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
    assert {u.name for u in units} >= {
        "alumni-web.service",
        "alumni-senders@.service",
        "alumni-scheduler.service",
    }
    for unit in units:
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.read(unit, encoding="utf-8")
        command = parser["Service"]["ExecStart"].split()
        assert command[0].endswith("/alumni"), unit.name
        if command[1:3] == ["run", "--role"]:
            assert command[3] in ROLES, unit.name
        else:
            assert command[1:] == ["db", "upgrade"], unit.name
