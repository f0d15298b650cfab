"""Crawl every page as every role over a demo database and find internal values shown to people.

What counts as an internal value (issue 21): a username, a BPMN element id or process variable name,
an event-type code, an actor code (``resident:web``, ``casegrid init``), a UTC ISO time, and — outside
the audit pages — a hash. Only what a person reads is checked: the text of the page (scripts and
styles removed) and the ``title``, ``alt``, ``aria-label`` and ``placeholder`` attributes.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import product

from flask import Flask
from lxml import etree, html
from sqlalchemy import text

from engine.db import Database

#: Attributes a browser shows to a person (tooltips, image text, screen readers, empty fields).
SHOWN_ATTRIBUTES = ("title", "alt", "aria-label", "placeholder")
ISO_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
ACTOR_CODE = re.compile(r"(?<![\w-])(?:resident|reporter|system|sweep|api):[\w-]*|casegrid init")
HASH = re.compile(r"(?<![0-9a-f])[0-9a-f]{12,}(?![0-9a-f])")
#: Pages whose subject is the login name or the codes an admin enters (account and organisation
#: administration), the message templates (their English versions are English words), the data catalogue
#: (its 存储位置 column names where each personal field is kept: ``mediation.summary``), and the audit
#: pages, which may show hashes.
USERNAME_PAGES = ("/admin/users", "/admin/tokens", "/admin/organisation", "/admin/departments", "/admin/grids",
                  "/admin/sso", "/login")
#: The single sign-on rules name the identity provider's claims (``department``, ``groups``), which are words the
#: diagrams use as variables too.
CLAIM_PAGES = ("/admin/sso",)
TEMPLATE_PAGES = ("/admin/message-templates", "/admin/data-catalogue")
HASH_PAGES = ("/audit",)
#: BPMN ids that are also ordinary words of the pages (in English product names, abbreviations).
NOT_IDS = frozenset({"casegrid", "Open311"})


@dataclass(frozen=True)
class Leak:
    url: str
    role: str
    kind: str
    value: str
    context: str

    def __str__(self) -> str:
        return f"{self.role:>10} {self.url}: {self.kind} {self.value!r} in …{self.context}…"


@dataclass(frozen=True)
class Vocabulary:
    usernames: frozenset[str]
    element_ids: frozenset[str]
    event_types: frozenset[str]

    @classmethod
    def of(cls, db: Database) -> Vocabulary:
        with db.engine.connect() as conn:
            usernames = {row[0] for row in conn.execute(text("SELECT username FROM user_account"))}
            types = {row[0] for row in conn.execute(text("SELECT DISTINCT type FROM case_event"))}
            xmls = [row[0] for row in conn.execute(text("SELECT xml FROM process_version"))]
        ids: set[str] = set()
        for xml in xmls:
            root = etree.fromstring(xml.encode())
            ids |= {e.get("id") for e in root.iter() if e.get("id")}
        # Ids a person could never mistake for anything (Flow_0abc…) are harmless but still ids; keep them.
        ids = {i for i in ids if len(i) >= 4 and i not in NOT_IDS}
        return cls(frozenset(usernames), frozenset(ids), frozenset(types))

    def pattern(self, words: Iterable[str]) -> re.Pattern[str]:
        alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        return re.compile(rf"(?<![A-Za-z0-9_.:/-])(?:{alternatives})(?![A-Za-z0-9_])")


def shown_text(body: str) -> str:
    """What a person reads on the page: its text and the attributes browsers show."""
    tree = html.document_fromstring(body)
    for hidden in tree.xpath("//script|//style|//template"):
        hidden.drop_tree()
    parts = [tree.text_content()]
    for name in SHOWN_ATTRIBUTES:
        parts += tree.xpath(f"//@{name}")
    return "\n".join(str(p) for p in parts)


class Crawler:
    """Visits pages with a client per role and collects the leaks."""

    def __init__(self, vocabulary: Vocabulary, *, english: bool = False) -> None:
        self.checks: list[tuple[str, re.Pattern[str], tuple[str, ...]]] = [
            ("username", vocabulary.pattern(vocabulary.usernames), USERNAME_PAGES),
            ("actor code", ACTOR_CODE, ()),
            ("UTC ISO time", ISO_UTC, ()),
            ("hash", HASH, HASH_PAGES),
        ]
        if not english:  # in English, ids such as ``rate`` and codes such as ``rating`` are also words
            self.checks += [
                ("element id / variable", vocabulary.pattern(vocabulary.element_ids), TEMPLATE_PAGES + CLAIM_PAGES),
                ("event type", vocabulary.pattern(vocabulary.event_types), TEMPLATE_PAGES),
            ]
        self.leaks: list[Leak] = []
        self.pages = 0

    def check(self, url: str, role: str, body: str) -> None:
        self.pages += 1
        shown = re.sub(r"\s+", " ", shown_text(body))
        for kind, pattern, allowed_under in self.checks:
            if any(url.startswith(prefix) for prefix in allowed_under):
                continue
            seen = set()
            for match in pattern.finditer(shown):
                if match.group() in seen:
                    continue  # once per page and value is enough to find it
                seen.add(match.group())
                start, end = match.span()
                self.leaks.append(Leak(url, role, kind, match.group(), shown[max(0, start - 30):end + 30]))


def sample_arguments(db: Database) -> dict[str, list[str]]:
    """Real values for every URL argument name, from the demo database."""
    one = "SELECT {col} FROM {table} ORDER BY 1 LIMIT {n}"
    queries = {
        "code": "SELECT tracking_code FROM \"case\" c WHERE c.id IN (SELECT MIN(id) FROM \"case\""
                " GROUP BY process_key, status, COALESCE(outcome, ''), phase)",
        "item_id": "SELECT id FROM work_item WHERE state IN ('ready', 'claimed') ORDER BY id",
        "meeting_id": one.format(col="id", table="council_meeting", n=3),
        "vote_id": one.format(col="id", table="household_vote", n=3),
        "run_id": "SELECT MAX(id) FROM assessment_run GROUP BY kind",
        "version_id": "SELECT id FROM process_version UNION SELECT id FROM decision_version",
        "key": "SELECT DISTINCT key FROM process_version",
        "username": "SELECT username FROM user_account ORDER BY username LIMIT 3",
        "number": "SELECT DISTINCT number FROM mediation_agreement",
        "extension_id": one.format(col="id", table="extension_request", n=3),
        "kind": "SELECT DISTINCT kind FROM notification_template",
        "locale": "SELECT DISTINCT locale FROM notification_template",
        "household_id": one.format(col="id", table="household", n=1),
        "request_id": one.format(col="id", table="assessment_request", n=2),
    }
    found: dict[str, list[str]] = {}
    with db.engine.connect() as conn:
        for name, query in queries.items():
            found[name] = [str(row[0]) for row in conn.execute(text(query)) if row[0] is not None]
    return found


def page_urls(app: Flask, arguments: dict[str, list[str]], extra: dict[str, dict[str, list[str]]]) -> Iterator[str]:
    """Every GET page with each combination of sample arguments; ``extra`` gives per-endpoint values."""
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        if rule.rule.endswith((".json", ".xml", ".csv", ".xlsx", ".dmn")) or "/api/" in rule.rule:
            continue  # machine-readable documents, not pages people read
        values = {**arguments, **extra.get(rule.endpoint, {})}
        names = sorted(rule.arguments)
        if any(not values.get(n) for n in names):
            continue
        for combination in product(*(values[n] for n in names)):
            yield rule.build(dict(zip(names, combination)), append_unknown=False)[1]
