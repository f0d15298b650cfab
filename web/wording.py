"""Template helpers that apply engine/labels.py's wording rules, translated for the page's language.

``person(username)`` names the actor (display names are read once per request), ``event_words(type)``
words an event type, ``words(text)`` translates the engine's fixed Chinese wording, ``org_words(name)``
gives a category, department, grid or community the English name an admin entered (on English pages).
"""
from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, g
from flask_babel import gettext as _

from engine import labels
from engine.bpmn.forms import FormField, Option
from web import services
from web.navigation import current_language


def words(text: str) -> str:
    """An engine label in the page's language: the catalogues' translation, else (for a label a diagram
    gives, such as a form field's) the diagram's English."""
    if not text:
        return text
    translated = _(text)
    if translated == text and in_english():
        return _diagram_words().get(text, text)
    return translated


def _diagram_words() -> dict[str, str]:
    known = g.get("casegrid_diagram_words")
    if known is None:
        known = g.casegrid_diagram_words = services.cases().english_diagram_words()
    return known


def value_words(value: object) -> object:
    """A recorded value as English pages show it: an option's or an organisation's English name when the
    value is one (free text stays as entered)."""
    if not isinstance(value, str) or not value or not in_english():
        return value
    english = org_words(value)
    if english != value:
        return english
    if "、" in value:  # a list read item by item (engine/labels.py joins them so)
        parts = [value_words(part) for part in value.split("、")]
        if all(p != q for p, q in zip(parts, value.split("、"))):
            return ", ".join(str(p) for p in parts)
    return _diagram_words().get(value) or words(value)


def person(actor: str | None, display_name: str | None = None) -> str:
    if not actor:
        return "—"
    if display_name is None and labels.actor_kind(actor) == "user":
        known: dict[str, str] = g.setdefault("casegrid_display_names", {})
        if actor not in known:
            known.update(services.people().display_names([actor]))
        display_name = known.get(actor)
    return words(labels.person(actor, display_name))


def event_words(event_type: str) -> str:
    return words(labels.event_label(event_type))


def in_english() -> bool:
    return current_language() == "en"


def task_words(name: str | None, bpmn_id: str | None = None) -> str:
    """A task's name as the diagram gives it: its English name (``name_en``) when the page is English."""
    if bpmn_id and in_english():
        english = g.get("casegrid_task_names_en")
        if english is None:
            english = g.casegrid_task_names_en = services.cases().english_task_names()
        return english.get(bpmn_id) or name or ""
    return name or ""


def field_words(f: FormField) -> str:
    """A form field's label as the diagram gives it, in English when the page is and the diagram has one."""
    return f.label_en if f.label_en and in_english() else f.label


def option_words(option: Option) -> str:
    return option.label_en if option.label_en and in_english() else option.label


def org_words(name: str | None) -> str:
    """A category, department, grid or community (or a label joining them) as English pages call it: the
    English name an admin entered, else the catalogue's (the shipped categories have one), else the Chinese.
    On Chinese pages, the name as given."""
    if not name or not in_english():
        return name or ""
    english = g.get("casegrid_english_names")
    if english is None:
        english = g.casegrid_english_names = services.people().english_names()
    return english.get(name) or words(name)


def names_in_words(named: dict[str, str]) -> dict[str, str]:
    """code → name of departments (or grids: "community / grid"), as this page's pick lists show them."""
    return {code: org_words(name) for code, name in named.items()} if in_english() else named


def joined(items: Iterable[str]) -> str:
    """A list of names as the page's language writes one (、 in Chinese)."""
    return (", " if in_english() else "、").join(items)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(person=person, event_words=event_words, words=words, task_words=task_words,
                                 org_words=org_words, value_words=value_words)
