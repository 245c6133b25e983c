"""House rules that keep the layers apart."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_IN_CORE = {"telegram", "slack_bolt", "slack_sdk", "discord", "bots"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_core_imports_no_platform_library_and_no_adapter() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & FORBIDDEN_IN_CORE)
        for path in (ROOT / "core").rglob("*.py")
        if _imports(path) & FORBIDDEN_IN_CORE
    }
    assert offenders == {}


def test_the_check_itself_sees_an_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import discord\nfrom telegram.ext import Application\n")
    assert _imports(sample) & FORBIDDEN_IN_CORE == {"discord", "telegram"}


def test_sqlalchemy_stays_in_its_home_and_the_domain_vocabulary_stands_alone() -> None:
    assert _imports(ROOT / "core" / "domain.py") <= {
        "__future__",
        "unicodedata",
        "enum",
        "functools",
    }
