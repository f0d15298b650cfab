"""The notification pages: the bell and centre (one's own notifications only), settings, the admins' outbox
and templates."""
from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.notify import OutboxService
from engine.notify.models import NotificationPreference
from engine.notify.preferences import Preferences
from engine.notify.service import NotificationService
from engine.notify.smtp import SmtpSender
from tests.fixtures.passwords import cheap_password_hashes  # noqa: F401
from tests.fixtures.receivers import free_port
from tests.web.conftest import LoginAs

pytestmark = pytest.mark.usefixtures("cheap_password_hashes")


@pytest.fixture
def driver(app: Flask, clock: FixedClock) -> Driver:
    return Driver(app.extensions["casegrid.cases"], clock)


def _fan_out(db: Database, clock: FixedClock) -> None:
    OutboxService(db, clock, channels={}).send_pending()


def test_the_bell_counts_unread_notifications_and_opening_one_goes_to_its_task(
        login_as: LoginAs, driver: Driver, db: Database, clock: FixedClock) -> None:
    case = driver.report("单元门禁坏了")
    _fan_out(db, clock)
    client = login_as("wangge")
    page = client.get("/inbox").get_data(as_text=True)
    assert 'id="bell-count">1<' in page
    listing = client.get("/notifications").get_data(as_text=True)
    assert case.tracking_code in listing and "新待办" in listing
    [notice] = NotificationService(db, clock).notices("wangge")
    opened = client.post(f"/notifications/{notice.id}/open")
    assert opened.status_code == 302 and opened.headers["Location"] == f"/inbox/tasks/{driver.item(case, 'triage').id}"
    assert 'id="bell-count">0<' in client.get("/inbox").get_data(as_text=True)


def test_nobody_sees_or_opens_another_persons_notification(login_as: LoginAs, driver: Driver, db: Database,
                                                           clock: FixedClock) -> None:
    case = driver.report()
    _fan_out(db, clock)
    [notice] = NotificationService(db, clock).notices("wangge")
    other = login_as("wangge2")
    assert case.tracking_code not in other.get("/notifications").get_data(as_text=True)
    assert other.post(f"/notifications/{notice.id}/open").status_code == 404
    assert login_as("admin").post(f"/notifications/{notice.id}/open").status_code == 404
    assert NotificationService(db, clock).unread_count("wangge") == 1  # still unread


def test_read_all_clears_the_bell(login_as: LoginAs, driver: Driver, db: Database, clock: FixedClock) -> None:
    driver.report()
    driver.report()
    _fan_out(db, clock)
    client = login_as("wangge")
    client.post("/notifications/read-all")
    assert NotificationService(db, clock).unread_count("wangge") == 0


def test_settings_refuse_bad_values_next_to_the_field_and_save_nothing(login_as: LoginAs, db: Database) -> None:
    client = login_as("chengguan")
    answer = client.post("/notifications/settings", data={"channels": ["sms"], "phone": "12345",
                                                          "quiet_start": "25:00", "quiet_end": "07:00",
                                                          "locale": "zh_CN"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "请填写 11 位手机号码" in page and "请按 时:分 填写" in page
    with db.reading() as s:
        assert s.scalars(select(NotificationPreference)).all() == []
    saved = client.post("/notifications/settings", data={"channels": ["sms", "email"], "phone": "13900139000",
                                                         "email": "cg@example.org", "quiet_start": "22:00",
                                                         "quiet_end": "07:00", "locale": "en"})
    assert saved.status_code == 302
    with db.reading() as s:
        row = s.get(NotificationPreference, "chengguan")
    assert row is not None and row.channels == "email,sms" and row.quiet_start == 22 * 60 and row.locale == "en"


def test_admins_see_a_failed_delivery_with_its_error_and_resend_it(login_as: LoginAs, driver: Driver, db: Database,
                                                                   clock: FixedClock) -> None:
    NotificationService(db, clock).save_preferences("wangge", Preferences(channels=("email",),
                                                                          email="wangge@example.org"))
    driver.report()
    OutboxService(db, clock, channels={"email": SmtpSender(f"smtp://127.0.0.1:{free_port()}")}).send_pending()
    admin = login_as("admin")
    page = admin.get("/admin/outbox").get_data(as_text=True)
    assert "ConnectionRefusedError" in page and "wangge" in page
    [problem] = NotificationService(db, clock).problems()
    assert admin.post(f"/admin/outbox/{problem.id}/resend").status_code == 302
    assert NotificationService(db, clock).problems()[0].attempts == 0
    assert login_as("dudao").get("/admin/outbox").status_code == 403


def test_a_template_with_an_error_is_refused_naming_the_line_and_a_good_one_previews_and_saves(
        login_as: LoginAs, db: Database, clock: FixedClock) -> None:
    admin = login_as("admin")
    url = "/admin/message-templates/deadline/en"
    refused = admin.post(url, data={"subject": "Reminder", "body": "Case {{ tracking_code }}\n{% if level %}late",
                                    "action": "save"})
    assert refused.status_code == 400 and "第 2 行" in refused.get_data(as_text=True)
    preview = admin.post(url, data={"subject": "Reminder {{ task }}", "body": "{{ level }} % of {{ task }}",
                                    "action": "preview"})
    assert preview.status_code == 200 and "80 % of 部门报到" in preview.get_data(as_text=True)
    assert NotificationService(db, clock).template("deadline", "en").custom is False  # a preview saves nothing
    saved = admin.post(url, data={"subject": "Reminder {{ task }}", "body": "{{ level }} % of {{ task }}",
                                  "action": "save"})
    assert saved.status_code == 302
    assert NotificationService(db, clock).template("deadline", "en").body == "{{ level }} % of {{ task }}"
    sandboxed = admin.post(url, data={"subject": "x", "body": "{{ ''.__class__.__mro__ }}", "action": "save"})
    assert sandboxed.status_code == 400


def test_a_saved_template_words_the_message_in_the_persons_language(driver: Driver, db: Database,
                                                                      clock: FixedClock) -> None:
    notices = NotificationService(db, clock)
    notices.save_preferences("wangge", Preferences(locale="en"))
    driver.report()
    _fan_out(db, clock)
    [notice] = notices.notices("wangge")
    assert notice.subject.startswith("New task: ") and "waits for you" in notice.text


def test_every_message_of_the_notification_pages_has_an_english_translation() -> None:
    import re
    from pathlib import Path

    from babel.messages.pofile import read_po

    import web.notify
    package = Path(web.notify.__file__).parent
    with (package / "translations/en/LC_MESSAGES/messages.po").open("rb") as po:
        catalogue = {m.id: m.string for m in read_po(po) if m.id}
    used = set()
    for path in package.rglob("*"):
        if path.suffix in (".html", ".py"):
            used |= {a or b for a, b in re.findall(r"_l?\(\s*'([^']*)'|_l?\(\s*\"([^\"]*)\"", path.read_text())}
    assert sorted(m for m in used if not catalogue.get(m)) == []


def test_the_centre_speaks_the_pages_language_when_the_person_chose_none(login_as: LoginAs, driver: Driver,
                                                                         db: Database, clock: FixedClock) -> None:
    driver.report()
    _fan_out(db, clock)
    client = login_as("wangge")
    client.post("/lang/en", data={"next": "/"})
    html = client.get("/notifications").get_data(as_text=True)
    assert "New task: " in html and "waits for you" in html
