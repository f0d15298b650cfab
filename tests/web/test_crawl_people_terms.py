"""No page, as any role, shows a username, an element id, an event-type code, an actor code or a UTC time.

The crawl runs over the demo's own database (every path of the civic loop, mediations, council
meetings, household votes, an assessment of each kind) and visits every page route with real ids
from it, logged in as each role and anonymously. See tests/web/crawl.py for what is looked for.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from lxml import html
from sqlalchemy import text

from bpmn import seed_files

from engine.assessments import AssessmentService
from engine.bpmn.parser import parse_process
from engine.bootstrap import init_database
from engine.db import Database
from engine.demo.organisation import DEMO_PASSWORD
from engine.demo.run import run_demo
from tests.web.crawl import Crawler, Vocabulary, page_urls, sample_arguments
from web import create_app

#: One account per role (None: not logged in).
ACCOUNTS = {"anonymous": None, "grid_worker": "wangge", "council": "yishi", "department": "chengguan",
            "mediator": "tiaojie", "supervisor": "dudao", "auditor": "jiandu", "admin": "admin"}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path = tmp_path_factory.mktemp("crawl") / "casegrid.db"
    db, _ = init_database(f"sqlite:///{path}")
    summary = run_demo(db, rounds=1)  # assesses the latest month and quarter with data
    assert len(summary.assessments) == 2
    AssessmentService(db).assess("weekly", triggered_by="test")
    service = AssessmentService(db)  # one asked for in the UI, carried out as the web server does
    service.execute(service.request("quarterly", None, by="dudao").id)
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def demo_app(demo_db: Database, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    return create_app({
        "TESTING": True, "DATABASE": demo_db, "DATABASE_URL": demo_db.url, "SECRET_KEY": "test",
        "INSTANCE": str(tmp_path_factory.mktemp("instance")), "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": False,
    })


def _report_steps(app: Flask) -> dict[str, dict[str, list[str]]]:
    return {"public.report_step": {"step": ["category", "location", "description", "contact"]}}


@pytest.mark.parametrize("role", sorted(ACCOUNTS))
def test_no_page_shows_internal_values(demo_app: Flask, demo_db: Database, role: str) -> None:
    _crawl(demo_app, demo_db, role, english=False)


@pytest.mark.parametrize("role", ["anonymous", "supervisor", "auditor"])
def test_no_english_page_shows_a_username_an_actor_code_or_a_utc_time(demo_app: Flask, demo_db: Database,
                                                                     role: str) -> None:
    _crawl(demo_app, demo_db, role, english=True)


def _crawl(demo_app: Flask, demo_db: Database, role: str, *, english: bool) -> None:
    client = demo_app.test_client()
    if ACCOUNTS[role]:
        response = client.post("/login", data={"username": ACCOUNTS[role], "password": DEMO_PASSWORD})
        assert response.status_code == 302
    if english:
        client.post("/lang/en", data={"next": "/"})
        assert '<html lang="en">' in client.get("/login").get_data(as_text=True)
    crawler = Crawler(Vocabulary.of(demo_db), english=english)
    arguments = sample_arguments(demo_db)
    for url in page_urls(demo_app, arguments, _report_steps(demo_app)):
        response = client.get(url)
        if response.status_code == 200 and response.mimetype == "text/html":
            crawler.check(url, role, response.get_data(as_text=True))
    assert crawler.pages > 3
    assert not crawler.leaks, "\n".join(str(leak) for leak in crawler.leaks[:200])


#: Chinese characters (and the full-width punctuation that joins Chinese words).
_CHINESE = re.compile(r"[\u3400-\u9fff\u3001\uff08\uff09\uff1a]+")


def _words_of_the_page(body: str, free_text: frozenset[str]) -> list[str]:
    """The Chinese left in what the page itself words: labels (dt, th), task names, event sentences and
    values the diagrams or the organisation name, after what people typed and people's names are removed."""
    tree = html.document_fromstring(body)
    for hidden in tree.xpath("//script|//style|//template|//*[contains(@class, 'prewrap')]"):
        hidden.drop_tree()
    typed_first = sorted(free_text, key=len, reverse=True)  # a reason naming a person: the reason first
    read = tree.xpath("//dt|//th|//*[contains(@class, 'what')]|//table[contains(@class, 'items-table')]//td"
                      "|//ul[contains(@class, 'data-changes')]/li|//ol[contains(@class, 'timeline')]/li")
    found = []
    for element in read:
        words = element.text_content()
        for typed in typed_first:
            words = words.replace(typed, " ")
        found += [f"{chinese} ({element.tag}: {' '.join(element.text_content().split())[:80]})"
                  for chinese in _CHINESE.findall(words)]
    return found


def _free_text(db: Database) -> frozenset[str]:
    """What people typed or are called: display names, titles, descriptions, notes and reasons."""
    with db.engine.connect() as conn:
        typed = {row[0] for row in conn.execute(text("SELECT display_name FROM user_account"))}
        typed |= {v for row in conn.execute(text("SELECT title, description, address FROM \"case\"")) for v in row}
        for (payload,) in conn.execute(text("SELECT payload FROM case_event")):
            typed |= set(_strings(json.loads(payload) if isinstance(payload, str) else payload))
    # Options and words of the diagrams are not typed: they must read in English.
    return frozenset(t for t in typed if t and len(t) > 1 and t not in _DIAGRAM_WORDS)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


_DIAGRAM_WORDS = frozenset(
    word for path in seed_files() for task in parse_process(path.read_text(encoding="utf-8")).human_tasks.values()
    for word in [task.name] + [f.label for f in task.form.fields] + [o.label for f in task.form.fields for o in f.options])


@pytest.mark.parametrize("process_key", ["mediation", "civic_loop"])
def test_an_english_auditor_reads_the_replay_and_timeline_in_english(demo_app: Flask, demo_db: Database,
                                                                     process_key: str) -> None:
    client = demo_app.test_client()
    assert client.post("/login", data={"username": "jiandu", "password": DEMO_PASSWORD}).status_code == 302
    client.post("/lang/en", data={"next": "/"})
    with demo_db.engine.connect() as conn:  # the cases of the process that went furthest
        codes = [row[0] for row in conn.execute(text(
            "SELECT c.tracking_code FROM \"case\" c JOIN case_event e ON e.case_id = c.id WHERE c.process_key = :k"
            " GROUP BY c.tracking_code ORDER BY COUNT(*) DESC LIMIT 3"), {"k": process_key})]
    assert codes
    free_text = _free_text(demo_db)
    leaks = {}
    for code in codes:
        for url in (f"/audit/cases/{code}", f"/cases/{code}"):
            response = client.get(url)
            assert response.status_code == 200, url
            if found := _words_of_the_page(response.get_data(as_text=True), free_text):
                leaks[url] = sorted(set(found))
    assert not leaks, "\n".join(f"{url}: {found}" for url, found in leaks.items())
