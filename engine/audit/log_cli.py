"""``casegrid audit …``: the signing key, signed tree heads, proofs, the auditor's check, cosignatures, time-stamps."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from engine.audit import heads as log
from engine.audit import witness
from engine.audit.keystore import (
    PUBLIC_KEYS_ENV,
    SIGNING_KEY_ENV,
    configured_private_key,
    keygen as make_key,
    read_private_key,
    read_ring,
    ring_path,
)
from engine.audit.log_records import record_problems
from engine.audit.signing import ED25519, PROFILES, SM2, KeyRing, SigningKeyError, hash_of
from engine.bootstrap import init_database
from engine.cases.queries import find_case
from engine.cli_support import db_option, friendly_errors
from engine.clock import SystemClock
from engine.config import database_url, instance_path
from engine.db import Database
from engine.errors import NotFound

public_key_option = click.option(
    "--public-key", "public_keys", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=f"Public key ring (repeatable; default ${PUBLIC_KEYS_ENV} or instance/audit_public_keys.json).")


def _database(db_url: str | None) -> Database:
    db = init_database(database_url(db_url))[0]
    click.get_current_context().call_on_close(db.dispose)
    return db


def _ring(paths: tuple[Path, ...], *, required: bool) -> KeyRing | None:
    if paths:
        return read_ring(list(paths))
    default = ring_path(instance_path())
    if default.exists():
        return read_ring([default])
    if required:
        raise SigningKeyError("没有公钥：请用 --public-key 指定签名者的公钥文件（casegrid audit keygen 生成）")
    return None


def _signing_key() -> Any:
    key = configured_private_key()
    if key is None:
        raise SigningKeyError(f"没有配置签名私钥：先运行 casegrid audit keygen，或设置 ${SIGNING_KEY_ENV}")
    return key


def _head(s: Any, head_id: int | None) -> log.TreeHead:
    head = s.get(log.TreeHead, head_id) if head_id is not None else log.latest_head(s)
    if head is None:
        raise NotFound("还没有签名的树头（后台巡检每 10 分钟签一次，或运行 casegrid audit head）"
                       if head_id is None else f"树头 #{head_id} 不存在")
    return head


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")


@click.group()
def audit() -> None:
    """The Merkle log of everything: signing key, signed tree heads, proofs and the auditor's check."""


@audit.command()
@click.option("--profile", type=click.Choice(["ed25519", "sm2"]), default="ed25519", show_default=True,
              help="ed25519 (Ed25519 + SHA-256) or sm2 (国密 SM2 + SM3, for 密评).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the private key (default ~/.config/casegrid/audit-signing-key.json).")
@click.option("--public-keys", "ring", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=f"Public key ring to add it to (default ${PUBLIC_KEYS_ENV} or instance/audit_public_keys.json).")
@friendly_errors
def keygen(profile: str, out: Path | None, ring: Path | None) -> None:
    """Make a new signing key; the old public keys stay in the ring so old heads keep verifying."""
    made = make_key(instance_path(), profile=ED25519 if profile == "ed25519" else SM2, out=out, ring=ring,
                    at=SystemClock().now())
    click.echo(f"private key {made.key.key_id} ({made.key.profile}) written to {made.private_path} (mode 0600)")
    click.echo("  it is NOT in the database nor in the instance folder; keep a backup offline.")
    click.echo(f"  the sweep signs with it when ${SIGNING_KEY_ENV} names this file "
               f"(or it is at the default path): export {SIGNING_KEY_ENV}={made.private_path}")
    click.echo(f"public key added to {made.ring_path} (keys: {', '.join(made.ring)})")
    click.echo("  give this file to auditors: it is all they need to verify heads, proofs and bundles.")


@audit.command()
@db_option
@friendly_errors
def head(db_url: str | None) -> None:
    """Sign a tree head now (the background sweep does this every 10 minutes)."""
    key = _signing_key()
    with _database(db_url).transaction() as s:
        result = log.sign_head(s, key, at=SystemClock().now(), by="cli")
    h = result.head
    click.echo(f"{'signed' if result.created else 'unchanged since'} head #{h['id']}: {h['size']} leaves, "
               f"root {h['root'][:16]}… ({h['profile']}, key {h['key_id']})")


@audit.command()
@db_option
@click.argument("case_ref")
@click.option("--head", "head_id", type=int, default=None, help="Prove against this head (default: the newest).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write the proofs (JSON).")
@friendly_errors
def prove(db_url: str | None, case_ref: str, head_id: int | None, out: Path | None) -> None:
    """Inclusion proofs of a case's events (and attachments) in a signed tree head."""
    with _database(db_url).reading() as s:
        case = find_case(s, case_ref)
        document = log.case_proof(s, case.id, _head(s, head_id))
    document["case"] = {"tracking_code": case.tracking_code, "uuid": case.uuid}
    if out:
        _write_json(out, document)
    head_ = document["head"]
    click.echo(f"case {case.tracking_code}: {len(document['leaves'])} leaves proved in head #{head_['id']} "
               f"({head_['size']} leaves); {len(document['pending'])} newer than the head"
               + (f"; written to {out}" if out else ""))


@audit.command("verify-proof")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@public_key_option
@friendly_errors
def verify_proof(file: Path, public_keys: tuple[Path, ...]) -> None:
    """Check an inclusion-proof file with the signer's public key alone (no database)."""
    ring = _ring(public_keys, required=True)
    assert ring is not None
    document = json.loads(file.read_text(encoding="utf-8"))
    problems = log.check_case_proof(document, ring)
    for problem in problems:
        click.echo(f"FAILED: {problem}")
    if problems:
        sys.exit(1)
    click.echo(f"verified: {len(document['leaves'])} leaves are in head #{document['head']['id']} "
               f"of {document['head']['size']} leaves signed by key {document['head']['key_id']}")


@audit.command()
@db_option
@click.argument("old_id", type=int)
@click.argument("new_id", type=int)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write the proof (JSON).")
@friendly_errors
def consistency(db_url: str | None, old_id: int, new_id: int, out: Path | None) -> None:
    """The consistency proof between two heads: the newer log extends the older one, nothing rewritten."""
    with _database(db_url).reading() as s:
        old, new = _head(s, old_id), _head(s, new_id)
        if old.size > new.size:
            raise SigningKeyError(f"树头 #{old_id}（{old.size} 个叶子）比 #{new_id}（{new.size} 个叶子）大："
                                  "请先写较早的树头")
        h = hash_of(new.profile)
        proof = log.consistency_proof(s, old.size, new.size, h)
        ok = log.merkle.verify_consistency(old.size, new.size, bytes.fromhex(old.root), bytes.fromhex(new.root),
                                           proof, h)
        document = {"format": "casegrid-consistency-proof/1", "old": log.head_dict(old), "new": log.head_dict(new),
                    "proof": [p.hex() for p in proof]}
    if out:
        _write_json(out, document)
    if not ok:
        click.echo(f"FAILED: head #{new_id} is not an extension of head #{old_id} (the log was rewritten or forked)")
        sys.exit(1)
    click.echo(f"consistent: head #{old_id} ({old.size} leaves) → head #{new_id} ({new.size} leaves), "
               f"{len(proof)} hashes" + (f"; written to {out}" if out else ""))


@audit.command()
@db_option
@click.option("--trusted", "trusted_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The last head you trusted, kept outside the database (created on first use, then advanced).")
@public_key_option
@click.option("--cosigner-key", "cosigner_keys", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Auditors' public keys: their cosignatures of heads are checked.")
@click.option("--tsa-cert", "tsa_certs", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A time-stamping authority's certificate (PEM): its time-stamps of heads are checked.")
@friendly_errors
def check(db_url: str | None, trusted_file: Path, public_keys: tuple[Path, ...], cosigner_keys: tuple[Path, ...],
          tsa_certs: tuple[Path, ...]) -> None:
    """Check the whole log against its signed heads and the head you trusted last; refuse any inconsistency."""
    ring = _ring(public_keys, required=True)
    assert ring is not None
    trusted = log.head_from_json(trusted_file.read_text(encoding="utf-8")) if trusted_file.exists() else None
    with _database(db_url).reading() as s:
        review = log.review_log(s, ring)
        problems = list(review.problems) + record_problems(s)
        if trusted is not None:
            problems += witness.trusted_problems(s, trusted, ring)
        found = witness.witness_review(s, KeyRing.of(k for p in cosigner_keys for k in read_ring([p]).keys.values()),
                                       list(tsa_certs))
    problems += found.problems
    for note in review.notes + found.notes:
        click.echo(f"note: {note}")
    for line in found.passed:
        click.echo(f"ok: {line}")
    if problems:
        for problem in problems:
            click.echo(f"FAILED: {problem}")
        click.echo(f"the trusted head in {trusted_file} was left as it was")
        sys.exit(1)
    latest = review.latest
    if latest is None:
        click.echo(f"log verified: {review.leaves} leaves, no signed head yet (nothing written to {trusted_file})")
        return
    _write_json(trusted_file, {"head": latest})
    was = f"head #{trusted['id']} ({trusted['size']} leaves)" if trusted else "nothing (first use)"
    click.echo(f"log verified: {review.leaves} leaves, {review.heads} signed heads; trusted {was} → "
               f"head #{latest['id']} ({latest['size']} leaves), written to {trusted_file}")


@audit.command()
@db_option
@click.argument("head_id", type=int, required=False)
@click.option("--key", "key_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Your own (the auditor's) private key from casegrid audit keygen --out.")
@public_key_option
@friendly_errors
def cosign(db_url: str | None, head_id: int | None, key_file: Path, public_keys: tuple[Path, ...]) -> None:
    """Cosign a head (default the newest) with your own key, after checking it: a witness the operator cannot forge."""
    key = read_private_key(key_file)
    ring = _ring(public_keys, required=True)
    assert ring is not None
    with _database(db_url).transaction() as s:
        row = witness.cosign(s, _head(s, head_id), key, ring, at=SystemClock().now())
    click.echo(f"cosigned head #{row.head_id} with key {key.key_id}")


@audit.command()
@db_option
@click.argument("head_id", type=int, required=False)
@click.option("--tsa", "tsa_url", required=True, help="The RFC 3161 time-stamping authority's URL.")
@friendly_errors
def timestamp(db_url: str | None, head_id: int | None, tsa_url: str) -> None:
    """Have a head (default the newest) time-stamped by an RFC 3161 authority."""
    with _database(db_url).transaction() as s:
        row = witness.timestamp(s, _head(s, head_id), tsa_url, at=SystemClock().now())
    click.echo(f"head #{row.head_id} time-stamped by {tsa_url}")


__all__ = ["audit", "PROFILES"]
