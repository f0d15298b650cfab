"""Issue 20 in the browser's terms (HTTP): a Camunda Modeler diagram of a 低保 review is imported, its lanes
mapped, published, started from 新建案件, worked through the inboxes, sent its message from the case page,
and replayed and verified by the auditor. Plus the refusals of every new page and API route."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from engine import CaseService
from tests.fixtures.passwords import cheap_password_hashes  # noqa: F401
from tests.fixtures.process_versions import versions_restored  # noqa: F401  (fixture)
from tests.web.conftest import LoginAs

pytestmark = pytest.mark.usefixtures("versions_restored")

FOREIGN = Path(__file__).resolve().parents[1] / "fixtures" / "foreign"
DIBAO = (FOREIGN / "camunda_dibao_review.bpmn").read_bytes()


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def _upload(supervisor: FlaskClient, data: bytes, key: str = "dibao", name: str = "低保申请审核"):  # type: ignore[no-untyped-def]
    # Encoded here, not by the test client: it spools a large body to a temporary file it never closes.
    boundary, body = encode_multipart({"key": key, "name": name, "source": "file",
                                       "diagram": FileStorage(io.BytesIO(data), "dibao.bpmn")})
    return supervisor.post("/processes/new", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _publish_dibao(supervisor: FlaskClient) -> int:
    response = _upload(supervisor, DIBAO)
    assert response.status_code == 302, _text(response)
    version_id = int(re.search(r"/versions/(\d+)/import", response.headers["Location"]).group(1))
    dialog = _text(supervisor.get(f"/processes/versions/{version_id}/import"))
    # The dialog guesses each lane's role and shows each condition's translation for confirmation.
    assert "社区受理窗口" in dialog and "街道民政科" in dialog and "街道办事处审批" in dialog
    assert "decision == &#39;adopt&#39; and amount &lt; 1000" in dialog
    answer = supervisor.post(f"/processes/versions/{version_id}/import",
                             data={"lane_0": "grid_worker", "lane_1": "department", "lane_2": "supervisor",
                                   "translate": "y"})
    assert answer.status_code == 302
    version_page = _text(supervisor.get(f"/processes/versions/{version_id}"))
    assert "检查通过，可以发布" in version_page and 'id="version-diagram"' in version_page
    published = supervisor.post(f"/processes/versions/{version_id}/publish", data={"change_note": "导入低保审核"})
    assert published.status_code == 302, _text(published)
    return version_id


def test_a_camunda_diagram_goes_from_import_to_a_replayed_and_verified_case(
        login_as: LoginAs, app: Flask) -> None:
    supervisor, grid, civil, auditor = (login_as(u) for u in ("dudao", "wangge", "minzheng", "jiandu"))
    _publish_dibao(supervisor)
    assert "低保申请审核" in _text(grid.get("/cases/new"))
    form = _text(grid.get("/cases/new/dibao"))
    assert "家庭人口" in form and "承办部门" in form
    started = grid.post("/cases/new/dibao", data={"title": "张某低保申请", "household_size": "3", "amount": "600",
                                                  "responsible_department": "minzheng"})
    assert started.status_code == 302, _text(started)
    code = started.headers["Location"].rsplit("/", 1)[-1]
    service: CaseService = app.extensions["casegrid.cases"]

    def work(client: FlaskClient, data: dict[str, str]) -> None:
        inbox = _text(client.get("/inbox"))
        item = re.search(rf'/inbox/tasks/(\d+)"[^>]*>[^<]*</a>[\s\S]*?{code}', inbox) or \
            re.search(rf'{code}[\s\S]*?/inbox/tasks/(\d+)', inbox)
        assert item, inbox
        page = _text(client.get(f"/inbox/tasks/{item.group(1)}"))
        version = re.search(r'name="case_version"[^>]*value="(\d+)"', page) or \
            re.search(r'value="(\d+)"[^>]*name="case_version"', page)
        done = client.post(f"/inbox/tasks/{item.group(1)}", data={**data, "case_version": version.group(1)})
        assert done.status_code == 302, _text(done)

    work(grid, {"complete": "y"})
    work(civil, {"decision": "more"})
    case_page = _text(supervisor.get(f"/cases/{code}"))
    assert "materials_supplied" in case_page and 'id="case-diagram"' in case_page
    sent = supervisor.post(f"/cases/{code}/messages", data={"name": "materials_supplied", "content": '{"pages": 4}'})
    assert sent.status_code == 302, _text(sent)
    work(civil, {"decision": "adopt"})
    work(supervisor, {"approved": "y"})
    assert service.case(code).status == "closed"
    replay = _text(auditor.get(f"/audit/cases/{code}"))
    assert code in replay
    assert "核验通过：记录未被改动" in _text(auditor.post(f"/audit/cases/{code}/verify"))


def test_a_blank_process_is_created_edited_nowhere_and_started(login_as: LoginAs) -> None:
    supervisor = login_as("dudao")
    created = supervisor.post("/processes/new", data={"key": "lamp_repair", "name": "路灯报修", "source": "blank"})
    assert created.status_code == 302 and "/edit" in created.headers["Location"]
    version_id = int(re.search(r"/versions/(\d+)/edit", created.headers["Location"]).group(1))
    assert supervisor.post(f"/processes/versions/{version_id}/publish", data={"change_note": "新"}).status_code == 302
    started = supervisor.post("/cases/new/lamp_repair", data={"title": "路灯不亮"})
    assert started.status_code == 302


@pytest.mark.parametrize(("data", "field_text"), [
    ({"key": "", "name": "x", "source": "blank"}, "请填写流程标识"),
    ({"key": "1bad", "name": "x", "source": "blank"}, "英文字母开头"),
    ({"key": "civic_loop", "name": "x", "source": "blank"}, "已被使用"),
    ({"key": "okkey", "name": "", "source": "blank"}, "请填写流程名称"),
    ({"key": "okkey", "name": "x", "source": "file"}, "请选择要导入的 .bpmn 文件"),
    ({"key": "okkey", "name": "x", "source": "evil"}, "has-error"),
])
def test_a_bad_new_process_is_refused_next_to_the_field(login_as: LoginAs, data: dict[str, str],
                                                         field_text: str) -> None:
    response = login_as("dudao").post("/processes/new", data=data)
    assert response.status_code == 400
    body = _text(response)
    assert field_text in body


@pytest.mark.parametrize("payload", [
    b"not xml at all", b"\xff\xfe\x00garbage",
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><x>&b;</x>',
    b'<svg xmlns="http://www.w3.org/2000/svg"/>',
    b"<" * 3_000_000,
])
def test_a_hostile_upload_is_refused_with_nothing_stored(login_as: LoginAs, app: Flask, payload: bytes) -> None:
    supervisor = login_as("dudao")
    response = _upload(supervisor, payload, key="hostile")
    assert response.status_code in (400, 413)
    assert all(p.key != "hostile" for p in app.extensions["casegrid.processes"].processes())


def test_the_import_dialog_insists_on_a_role_for_every_lane(login_as: LoginAs) -> None:
    supervisor = login_as("dudao")
    version_id = int(re.search(r"/versions/(\d+)/import", _upload(supervisor, DIBAO).headers["Location"]).group(1))
    response = supervisor.post(f"/processes/versions/{version_id}/import",
                               data={"lane_0": "grid_worker", "lane_1": "", "lane_2": "admin"})
    assert response.status_code == 400 and "请为这条泳道选择角色" in _text(response)
    assert supervisor.get("/processes/versions/999999/import").status_code == 404


def test_the_start_form_refuses_bad_values_next_to_each_field(login_as: LoginAs) -> None:
    _publish_dibao(login_as("dudao"))
    grid = login_as("wangge")
    response = grid.post("/cases/new/dibao", data={"title": "", "household_size": "many", "amount": "21"})
    assert response.status_code == 400
    assert "请填写此项" in _text(response) and "has-error" in _text(response)
    assert grid.post("/cases/new/dibao", data={"title": "x\u0000"}).status_code == 400
    assert login_as("minzheng").get("/cases/new/dibao").status_code == 403  # its start lane is the window's
    assert grid.get("/cases/new/nosuchprocess").status_code == 404
    assert grid.get("/cases/new/civic_loop").headers["Location"].endswith("/report")
    assert login_as("yishi").get("/cases/new/civic_loop").status_code == 409


def test_the_api_starts_a_case_and_delivers_its_message(login_as: LoginAs, app: Flask) -> None:
    _publish_dibao(login_as("dudao"))
    grid, supervisor = login_as("wangge"), login_as("dudao")
    listed = grid.get("/api/processes").get_json()
    assert "dibao" in {p["key"] for p in listed["items"]}
    started = grid.post("/api/processes/dibao/cases", json={"data": {
        "title": "李某", "household_size": 2, "amount": 500, "responsible_department": "minzheng"}})
    assert started.status_code == 201, started.get_json()
    code = started.get_json()["tracking_code"]
    refused = grid.post("/api/processes/dibao/cases", json={"data": {"title": ""}, "extra": 1})
    assert refused.status_code == 400 and "extra" in refused.get_json()["field_errors"]
    for body in ([], {"name": 5}, {"name": "materials_supplied", "data": [1]}, {"name": "nope"}):
        assert supervisor.post(f"/api/cases/{code}/messages", json=body).status_code == 400, body
    # Not waiting for it yet: 409, nothing changes.
    assert supervisor.post(f"/api/cases/{code}/messages", json={"name": "materials_supplied"}).status_code == 409
    assert grid.post(f"/api/cases/{code}/messages", json={"name": "materials_supplied"}).status_code == 403
    assert supervisor.post("/api/cases/XX/messages", json={"name": "x"}).status_code == 404


def test_an_admin_sends_a_categorys_reports_to_a_published_process(login_as: LoginAs, app: Flask) -> None:
    supervisor, admin = login_as("dudao"), login_as("admin")
    supervisor.post("/processes/new", data={"key": "pension_help", "name": "养老服务申请", "source": "blank"})
    draft = next(p for p in app.extensions["casegrid.processes"].processes() if p.key == "pension_help")
    supervisor.post(f"/processes/versions/{draft.versions[0].id}/publish", data={"change_note": "新"})
    page = _text(admin.get("/admin/organisation"))
    assert "养老服务申请" in page
    assert admin.post("/admin/categories/process", data={"name": "养老服务", "process_key": "pension_help"}).status_code == 302
    service: CaseService = app.extensions["casegrid.cases"]
    from engine.cases.intake import Intake
    from engine.people.actor import Actor
    case = service.report(Intake(description="老人需要助餐", category="养老服务"), Actor("resident:web", "resident")).case
    assert case.process_key == "pension_help"
    other = service.report(Intake(description="垃圾没清", category="环境卫生"), Actor("resident:web", "resident")).case
    assert other.process_key == "civic_loop"
    # Hostile or stale input: an unknown process, mediation (its own intake), an unknown category.
    for key in ("nosuch", "mediation", "x" * 200):
        admin.post("/admin/categories/process", data={"name": "养老服务", "process_key": key})
    assert service.report(Intake(description="再来", category="养老服务"),
                          Actor("resident:web", "resident")).case.process_key == "pension_help"
    assert admin.post("/admin/categories/process", data={"name": "没有这个", "process_key": ""}).status_code == 404
    assert admin.post("/admin/categories/process", data={"name": "养老服务", "process_key": ""}).status_code == 302
    assert service.report(Intake(description="三", category="养老服务"),
                          Actor("resident:web", "resident")).case.process_key == "civic_loop"
