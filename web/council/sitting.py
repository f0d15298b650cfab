"""Read the sitting's form — attendance, then per agenda item its decision, fields and each member's vote.

Field names are ``present`` and ``item-<agenda id>-<field>`` (votes: ``item-<agenda id>-vote-<member id>``),
the same names the engine uses for its field errors, so each error lands next to its input.
"""
from __future__ import annotations

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from engine.council.meetings import ItemDecision
from engine.council.read_models import MeetingPage


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 6 else None


def read(page: MeetingPage, form: MultiDict) -> tuple[set[int], dict[int, ItemDecision], dict[str, str]]:
    """Attendance, decisions and the errors of input that cannot even be read."""
    errors: dict[str, str] = {}
    members = {m.id for m in page.members}
    present = {x for x in (_int(v) for v in form.getlist("present")) if x in members}
    decisions = {}
    for item in page.agenda:
        key = f"item-{item.id}-"
        votes = {m.id: form.get(f"{key}vote-{m.id}", "") for m in page.members if m.id in present}
        days_raw = form.get(key + "vote_days", "")
        days = _int(days_raw)
        if days_raw.strip() and days is None:
            errors[key + "vote_days"] = _("表决期限应为1至60天")
        decisions[item.id] = ItemDecision(
            decision=form.get(key + "decision") or None, votes=votes,
            major_matter=form.get(key + "major_matter") in ("y", "on", "true", "1"),
            responsible_department=form.get(key + "responsible_department") or None,
            deadline=(form.get(key + "deadline") or "").strip() or None,
            resolution_text=(form.get(key + "resolution_text") or "").strip()[:2000] or None,
            reason=(form.get(key + "reason") or "").strip()[:1000] or None,
            buildings=[b for b in (form.get(key + "buildings") or "").replace("，", ",").split(",") if b.strip()],
            vote_days=days, threshold=(form.get(key + "threshold") or "").strip()[:10] or None)
    return present, decisions, errors

