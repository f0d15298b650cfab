"""Every Chinese message the staff and public pages ask for has its English, whichever blueprint uses it.

Flask-Babel merges the ``translations/en`` catalogues of all blueprints (web/i18n.py), so a message is
English when any catalogue has it. Messages are found as babel extracts them: ``_``/``_l``/``gettext``/
``ngettext``/``pgettext`` with literal arguments in web/**/*.py and in the templates. Labels held in engine
tables and passed to ``_()`` at render time (flags, kinds …) are listed in ``RENDERED_LABELS``.

Since the catalogues are merged, one message has one English everywhere: when the same Chinese means different
things on different pages (a status and a verb, a heading listing several things), the pages ask with
``pgettext(context, …)`` and each context has its own entry. ``python tests/web/test_english_catalogues.py``
lists the messages whose English differs between catalogues.
"""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask, session
from flask_babel import gettext, pgettext

import web
from engine.field.files import RELATIONS
from engine.field.flags import FLAGS
from engine.field.volunteers import ACCOUNTS, STATUS_LABELS
from engine.joint.operations import UNIT_KINDS
from engine.people.sso import OPERATORS

WEB = Path(web.__file__).resolve().parent
KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2),
            "pgettext": ((1, "c"), 2)}
METHODS = [("**/static/**", "ignore"), ("**.py", "python"),
           ("**/templates/**.html", "jinja2.ext:babel_extract"), ("**/templates/**.txt", "jinja2.ext:babel_extract"),
           ("**/templates/**.xml", "jinja2.ext:babel_extract")]
CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdf]|\{(\w+)\}")

#: Chinese messages deliberately left without English, each with its reason. None today: the public
#: pages (notice board, tracking, report form) have English too, for residents who switch the language.
CHINESE_ONLY: dict[str, str] = {}

#: Engine labels that pages pass through ``_()`` (or form choices through ``_l``) when they render.
RENDERED_LABELS = {*FLAGS.values(), *RELATIONS, *ACCOUNTS.values(), *STATUS_LABELS.values(),
                   *UNIT_KINDS.values(), *OPERATORS.values()}


def _catalogue() -> dict[tuple[str | None, str], str]:
    found: dict[tuple[str | None, str], str] = {}
    for po in sorted(WEB.glob("**/translations/en/LC_MESSAGES/*.po")):
        with po.open("rb") as source:
            for message in read_po(source):
                if message.id and message.string:
                    key = message.id[0] if isinstance(message.id, tuple) else message.id
                    text = message.string[0] if isinstance(message.string, tuple) else message.string
                    if text:
                        found[(message.context, key)] = text
    return found


def catalogue_conflicts() -> dict[tuple[str | None, str], dict[str, str]]:
    """Each (context, msgid) that two catalogues translate differently, with each catalogue's English."""
    english: dict[tuple[str | None, str], dict[str, str]] = defaultdict(dict)
    for po in sorted(WEB.glob("**/translations/en/LC_MESSAGES/*.po")):
        with po.open("rb") as source:
            for message in read_po(source):
                key = message.id[0] if isinstance(message.id, tuple) else message.id
                text = message.string[0] if isinstance(message.string, tuple) else message.string
                if key and text:
                    english[(message.context, key)][str(po.relative_to(WEB).parents[3])] = text
    return {key: by for key, by in english.items() if len(set(by.values())) > 1}


def _used() -> dict[tuple[str | None, str], str]:
    used: dict[tuple[str | None, str], str] = {}
    for filename, line, message, _comments, context in extract_from_dir(str(WEB), METHODS, keywords=KEYWORDS):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid and CJK.search(msgid):
            used.setdefault((context, msgid), f"web/{filename}:{line}")
    return used


def test_every_chinese_message_in_web_has_an_english_translation() -> None:
    catalogue = _catalogue()
    used = _used()
    assert len(used) > 1000  # the extractor saw the templates and the Python, not an empty tree
    missing = sorted(f"{where}  {msgid}" for (context, msgid), where in used.items()
                     if (context, msgid) not in catalogue and msgid not in CHINESE_ONLY)
    assert missing == []


def test_each_message_has_one_english_in_all_catalogues() -> None:
    """Flask-Babel merges the catalogues, so of two different translations one would silently win everywhere."""
    assert {f"{context or ''}|{msgid}": by for (context, msgid), by in catalogue_conflicts().items()} == {}


def test_a_context_keeps_its_own_english_beside_the_plain_message(app: Flask) -> None:
    """The merged catalogues keep both: 上一步 of the audit replay and of the resident's report form, 停用 of a
    department and of a process version."""
    with app.test_request_context("/"):
        session["lang"] = "en"
        assert (gettext("上一步"), pgettext("wizard", "上一步")) == ("Previous step", "Back")
        assert (gettext("停用"), pgettext("version", "停用")) == ("Deactivate", "Retire")
        assert (gettext("通过"), pgettext("decision", "通过")) == ("Passed", "Adopt")


def test_labels_rendered_through_gettext_have_english() -> None:
    catalogue = _catalogue()
    assert sorted(label for label in RENDERED_LABELS if (None, label) not in catalogue) == []


def test_translations_keep_the_placeholders() -> None:
    """A translation naming a placeholder its message does not pass (``%(n)s``, ``{n}``) fails when formatted.

    Leaving one out is allowed: English may not need a Chinese-only word (e.g. 三分之二 beside the percentage).
    """
    wrong = []
    for (_context, msgid), text in _catalogue().items():
        if not set(PLACEHOLDER.findall(text)) <= set(PLACEHOLDER.findall(msgid)):
            wrong.append(f"{msgid} → {text}")
    assert wrong == []


def test_exceptions_are_still_used() -> None:
    used = {msgid for _context, msgid in _used()}
    assert sorted(set(CHINESE_ONLY) - used) == []


if __name__ == "__main__":
    for (context, msgid), by in sorted(catalogue_conflicts().items(), key=lambda item: (item[0][0] or "", item[0][1])):
        print(f"[{context}] {msgid}" if context else msgid)
        for catalogue, text in by.items():
            print(f"    {catalogue:14} {text}")
