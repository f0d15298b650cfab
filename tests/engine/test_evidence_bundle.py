"""The exported audit bundle carries the case's evidence files (or by option only their hashes) under the
bundle's signature, and ``casegrid verify-bundle`` checks them against the hashes the chained events record,
naming the event when a file in the bundle was altered or left out. Local folder and S3-compatible store."""
from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine import Intake
from engine.audit.signing import ED25519, generate, private_key_text, ring_text
from engine.cli import main
from engine.db import Database
from engine.evidence.service import EvidenceService
from engine.evidence.store import Store
from engine.people.actor import Actor
from engine import CaseService
from tests.fixtures import photos
from tests.fixtures.stores import evidence_store, s3_endpoint, store_location  # noqa: F401 (fixtures)

GRID_WORKER = Actor("wangge", "grid_worker", grid_code="XF-01")


@pytest.fixture
def exported(db: Database, clock, evidence_store: Store, service: CaseService, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch):
    """Export the case with a photo (original, public copy, thumbnail): (code, export, public key file)."""
    evidence = EvidenceService(db, evidence_store, clock)
    sha = evidence.receive(io.BytesIO(photos.photo(size=(800, 600), gps=True))).sha256
    case = service.report(Intake("路灯不亮", "公共设施", grid_code="XF-01"), GRID_WORKER, evidence=[sha]).case
    signing = generate(ED25519)
    (tmp_path / "signing.json").write_text(private_key_text(signing))
    monkeypatch.setenv("CASEGRID_AUDIT_SIGNING_KEY", str(tmp_path / "signing.json"))
    key = tmp_path / "public.json"
    key.write_text(ring_text([signing.public_key]))

    def export(*extra: str) -> Path:
        out = tmp_path / f"bundle{len(extra)}.json"
        result = CliRunner().invoke(main, ["export", case.tracking_code, "--out", str(out),
                                           "--db", db.engine.url.render_as_string(hide_password=False),
                                           "--evidence", store_location(evidence_store), *extra])
        assert result.exit_code == 0, result.output
        return out
    return case.tracking_code, export, key


def _verify(path: Path, key: Path | None = None):
    return CliRunner().invoke(main, ["verify-bundle", str(path)] + (["--public-key", str(key)] if key else []))


def test_the_bundle_carries_the_files_and_verify_bundle_checks_them(exported) -> None:
    code, export, key = exported
    path = export()
    bundle = json.loads(path.read_text())
    assert bundle["evidence"]["mode"] == "files" and len(bundle["evidence"]["files"]) == 3
    assert base64.b64decode(bundle["evidence"]["files"][0]["data"])[:2] == b"\xff\xd8"
    result = _verify(path, key)
    assert result.exit_code == 0 and "证据文件完整：3 个文件" in result.output, result.output


@pytest.mark.parametrize("damage", ["altered", "left out"])
def test_a_file_altered_or_left_out_of_the_bundle_fails_naming_the_event(exported, damage: str) -> None:
    code, export, key = exported
    path = export()
    bundle = json.loads(path.read_text())
    seq = next(e["seq"] for e in bundle["events"] if e["type"] == "evidence_attached")
    original = json.loads(next(e["payload"] for e in bundle["events"] if e["type"] == "evidence_attached"))["sha256"]
    entry = next(f for f in bundle["evidence"]["files"] if f["sha256"] == original)
    if damage == "altered":
        entry["data"] = base64.b64encode(base64.b64decode(entry["data"])[:-3] + b"\x00\xff\xd9").decode()
    else:
        bundle["evidence"]["files"].remove(entry)
    path.write_text(json.dumps(bundle, ensure_ascii=False))
    result = _verify(path)  # without the public key: the files are checked against the events' hashes all the same
    assert result.exit_code == 1
    assert f"FAILED: 第 {seq} 个事件的原件{'与哈希不符' if damage == 'altered' else '不在文件中'}" in result.output
    assert "FAILED" in _verify(path, key).output  # with the key the signature fails too


def test_by_option_the_bundle_carries_only_the_hashes(exported) -> None:
    code, export, key = exported
    path = export("--evidence-hashes-only")
    bundle = json.loads(path.read_text())
    assert bundle["evidence"]["mode"] == "hashes" and all("data" not in f for f in bundle["evidence"]["files"])
    result = _verify(path, key)
    assert result.exit_code == 0 and "只含证据文件的哈希（3 个）" in result.output, result.output
