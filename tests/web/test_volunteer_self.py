"""A volunteer's own view (issue 23): logged in to the residents' app with the phone they were registered with,
a volunteer reads their services, points and time bank; the number is stored sealed and matched by its blind
index, and another phone sees nothing."""
from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engine.field.models import Volunteer
from engine.field.service import FieldService
from engine.field.volunteers import ServiceInput, VolunteerInput
from engine.notify import OutboxService
from tests.fixtures.field import GRID_WORKER
from tests.fixtures.receivers import Inbox
from tests.web.test_resident_app import login, sms  # noqa: F401  (the SMS fixture)

PHONE = "13912345678"


def test_a_volunteer_sees_their_own_hours_and_points_and_nobody_elses(
        app: Flask, client: FlaskClient, sms: tuple[OutboxService, Inbox]) -> None:  # noqa: F811
    field: FieldService = app.extensions["casegrid.field"]
    helper = field.register_volunteer(VolunteerInput(name="赵志愿", phone=PHONE, skills="理发"), GRID_WORKER)
    field.decide_service(field.record_service(helper, ServiceInput("2026-03-01", "2", "为独居老人理发"), GRID_WORKER),
                         True, GRID_WORKER)
    field.spend(helper, "points", 5, "兑换洗衣液", GRID_WORKER)
    with field.db.reading() as s:
        stored = s.scalars(select(Volunteer.phone)).one()
    assert PHONE not in stored and stored.startswith("rp1:")  # sealed, like the residents' app phones
    assert field.volunteer_page(helper, GRID_WORKER).row.phone == PHONE  # the grid's staff read it
    mine = client.get("/api/resident/volunteer", headers=login(client, sms, PHONE))
    assert mine.status_code == 200, mine.get_json()
    [me] = mine.get_json()["volunteers"]
    assert (me["name"], me["points"], me["time_bank_minutes"], me["hours_this_year"]) == ("赵志愿", 15, 120, 2)
    assert [s["status"] for s in me["services"]] == ["confirmed"] and len(me["ledger"]) == 3
    assert PHONE not in mine.get_data(as_text=True)
    other = client.get("/api/resident/volunteer", headers=login(client, sms, "13700000000"))
    assert other.get_json() == {"volunteers": []}
    assert client.get("/api/resident/volunteer").status_code == 401
