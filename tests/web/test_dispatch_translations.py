"""Every word of the dispatch pages has its English (the catalogue in web/dispatch/translations)."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

import web.dispatch


def test_every_dispatch_message_has_an_english_translation() -> None:
    package = Path(web.dispatch.__file__).parent
    with (package / "translations/en/LC_MESSAGES/messages.po").open("rb") as po:
        catalogue = {(m.id[0] if isinstance(m.id, tuple) else m.id): m.string for m in read_po(po) if m.id}
    used = set()
    for path in package.rglob("*"):
        if path.suffix in (".html", ".py"):
            source = path.read_text()
            used |= {a or b for a, b in re.findall(r"_l?\(\s*'([^']*)'|_l?\(\s*\"([^\"]*)\"", source)}
            used |= set(re.findall(r"ngettext\(\s*'([^']*)'", source))
    assert sorted(m for m in used if not catalogue.get(m)) == []
