"""Forms: one validation for every platform, and a field-by-field dialogue where there are
no modals (Telegram, the console).

On Slack and Discord a form opens as a modal and its submission arrives whole; elsewhere the
dispatcher asks one field per message and keeps the answers so far in ``form_sessions``, so
any process can take the next message. ``/cancel`` drops the form.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select

from ..clock import Clock
from ..db import Database
from ..db.models import FormSession
from ..domain import Platform
from ..errors import CountedUserError, UserError
from ..i18n import N_, gettext
from .context import Incoming
from .replies import Button, Form, FormField, FormFieldKind, Reply

__all__ = ["MODAL_PLATFORMS", "FormStepper", "validate_field", "validate_form"]

MODAL_PLATFORMS = frozenset({Platform.SLACK, Platform.DISCORD})
FORM_LIFETIME = dt.timedelta(hours=2)
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s.]{2,63}$")
_URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
SKIP = "form.skip"
CHOOSE = "form.choose"


def validate_field(field: FormField, raw: str | None) -> str:
    """The cleaned value, or a UserError saying what is wrong (in the user's language)."""
    value = (raw or "").strip()
    if not value:
        if field.required:
            raise UserError(N_("{field} is required."), field=field.label)
        return ""
    if len(value) > field.max_length:
        raise CountedUserError(
            "{field} is too long ({count} character); the limit is {limit}.",
            "{field} is too long ({count} characters); the limit is {limit}.",
            len(value),
            field=field.label,
            limit=field.max_length,
        )
    match field.kind:
        case FormFieldKind.CHOICE:
            for choice_value, label in field.choices:
                if value.casefold() in (choice_value.casefold(), label.casefold()):
                    return choice_value
            if value.isdigit() and 1 <= int(value) <= len(field.choices):
                return field.choices[int(value) - 1][0]
            raise UserError(
                N_("{field} must be one of: {choices}."),
                field=field.label,
                choices=", ".join(label for _, label in field.choices),
            )
        case FormFieldKind.NUMBER:
            if not re.fullmatch(r"-?\d{1,9}", value):
                raise UserError(N_("{field} must be a whole number."), field=field.label)
        case FormFieldKind.DATE:
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                raise UserError(
                    N_("{field} must be a date written YYYY-MM-DD."), field=field.label
                ) from None
        case FormFieldKind.EMAIL:
            if not _EMAIL_RE.match(value):
                raise UserError(N_("{field} must be an e-mail address."), field=field.label)
        case FormFieldKind.URL:
            if not _URL_RE.match(value):
                raise UserError(
                    N_("{field} must be a web address starting with http:// or https://."),
                    field=field.label,
                )
    return value


def validate_form(form: Form, values: Mapping[str, str | None]) -> dict[str, str]:
    """Check a whole submission (a modal's); unknown keys are ignored."""
    return {f.name: validate_field(f, values.get(f.name)) for f in form.fields}


def _question(form: Form, step: int, answered: int) -> Reply:
    field = form.fields[step]
    lines = []
    if answered == 0 and step == 0:
        lines.append(form.title)
        lines.append(gettext("Answer each question; send /cancel to stop."))
    lines.append(
        gettext(
            "({current}/{total}) {label}",
            current=step + 1,
            total=len(form.fields),
            label=field.label,
        )
    )
    if field.placeholder:
        lines.append(field.placeholder)
    buttons: list[Button] = [
        Button(label, action=CHOOSE, payload=value) for value, label in field.choices
    ]
    if not field.required:
        buttons.append(Button(gettext("Skip"), action=SKIP))
    return Reply(text="\n".join(lines), buttons=tuple(buttons))


class FormStepper:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def begin(self, incoming: Incoming, form: Form) -> Reply:
        async with self._db.sessions.begin() as session:
            await session.execute(_delete_for(incoming))
            session.add(
                FormSession(
                    platform=incoming.platform,
                    workspace=incoming.workspace,
                    user_id=incoming.user_id,
                    form=Reply(form=form).to_dict()["form"],
                    answers={},
                    step=0,
                    updated_at=self._clock.now(),
                )
            )
        return _question(form, 0, 0)

    async def cancel(self, incoming: Incoming) -> bool:
        async with self._db.sessions.begin() as session:
            result = await session.execute(_delete_for(incoming))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def answer(
        self, incoming: Incoming, text: str
    ) -> tuple[Form, dict[str, str]] | Reply | None:
        """Take one answer. None: no form is open. A Reply: the next question (or the
        problem with this answer). A (form, values) pair: the form is complete, submit it."""
        async with self._db.sessions.begin() as session:
            state = await session.scalar(
                select(FormSession)
                .where(
                    FormSession.platform == incoming.platform,
                    FormSession.workspace == incoming.workspace,
                    FormSession.user_id == incoming.user_id,
                )
                .with_for_update()
            )
            if state is None:
                return None
            if self._clock.now() - state.updated_at > FORM_LIFETIME:
                await session.delete(state)
                return None
            form = _form_from(state.form)
            field = form.fields[state.step]
            value = validate_field(field, text)  # a UserError leaves the state as it was
            answers = {**state.answers, field.name: value}
            step = state.step + 1
            if step >= len(form.fields):
                await session.delete(state)
                return form, answers
            state.answers = answers
            state.step = step
            state.updated_at = self._clock.now()
            return _question(form, step, len(answers))


def _delete_for(incoming: Incoming) -> Any:
    return delete(FormSession).where(
        FormSession.platform == incoming.platform,
        FormSession.workspace == incoming.workspace,
        FormSession.user_id == incoming.user_id,
    )


def _form_from(data: dict[str, Any]) -> Form:
    form = Reply.from_dict({"form": data}).form
    assert form is not None
    return form
