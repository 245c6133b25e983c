"""The template is what the code marks, and no user-facing text escapes the marking."""

from __future__ import annotations

import ast
from pathlib import Path

from core.i18n import tools

ROOT = tools.project_root()


def test_extracting_from_the_code_gives_exactly_the_template(tmp_path: Path) -> None:
    fresh = tools.template_ids(tools.extract(tmp_path / "fresh.pot"))
    committed = tools.template_ids()
    marked_but_not_in_template = sorted(map(str, fresh - committed))
    in_template_but_gone = sorted(map(str, committed - fresh))
    assert (marked_but_not_in_template, in_template_but_gone) == ([], []), (
        "locales/messages.pot is out of date: run `alumni i18n extract` then "
        "`alumni i18n update` and translate the new entries"
    )


# Constructors of what a person sees, and the arguments that hold their words.
_SHOWN: dict[str, dict[str, int]] = {
    "Reply": {"text": 0},
    "Card": {"title": 0, "subtitle": 1, "body": 2},
    "Field": {"name": 0, "value": 1},
    "Button": {"label": 0},
    "Pager": {"label": 0},
    "Form": {"title": 1, "submit_label": 3},
    "FormField": {"label": 1, "placeholder": 6},
}


def _literal_words(node: ast.expr) -> bool:
    """A string literal (or the literal parts of an f-string) with letters in it."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return any(ch.isalpha() for ch in node.value)
    if isinstance(node, ast.JoinedStr):
        return any(_literal_words(part) for part in node.values if isinstance(part, ast.Constant))
    return False


def _unmarked(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        shown = _SHOWN.get(name or "")
        if shown is None:
            continue
        arguments = {k: node.args[i] for k, i in shown.items() if i < len(node.args)}
        arguments.update({kw.arg: kw.value for kw in node.keywords if kw.arg in shown})
        for key, value in arguments.items():
            if _literal_words(value):
                where = path.relative_to(ROOT)
                found.append(f"{where}:{node.lineno}: {name}({key}={ast.unparse(value)[:60]})")
    return found


def test_no_reply_card_button_or_form_shows_an_unmarked_literal() -> None:
    sources = sorted([*(ROOT / "core").rglob("*.py"), *(ROOT / "bots").rglob("*.py")])
    unmarked = [hit for path in sources for hit in _unmarked(path)]
    assert unmarked == [], "wrap these in gettext()/N_():\n" + "\n".join(unmarked)
