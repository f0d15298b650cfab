"""Every Chinese message the staff and public pages ask for has its English, whichever blueprint uses it.

Flask-Babel merges the ``translations/en`` catalogues of all blueprints (web/i18n.py), so a message is
English when any catalogue has it. Messages are found as babel extracts them: ``_``/``_l``/``gettext``/
``ngettext``/``pgettext`` with literal arguments in web/**/*.py and in the templates. Labels held in engine
tables and passed to ``_()`` at render time (flags, kinds …) are listed in ``RENDERED_LABELS``.
"""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

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
