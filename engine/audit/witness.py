"""Witnesses of tree heads outside the operator's control, and the auditor's own trusted head.

- An auditor's **cosignature**: the auditor checks the log, then signs the head with their own key;
  whoever holds the operator's key still cannot make the auditor's signature.
- An RFC 3161 **time-stamp**: a time-stamping authority signs the head's hash and the time; a head
  cannot be back-dated or made up later than the token says.
- The **trusted head**: the last head an auditor accepted, kept in their own file. Every later check
  needs the log to extend it (a consistency proof): heads deleted, the log truncated or forked under it
  are refused.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from asn1crypto import cms, tsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import heads as log
from engine.audit import merkle
from engine.audit.signing import KeyRing, PrivateKey, hash_of
from engine.clock import as_utc, to_db
from engine.errors import CasegridError, ConflictError

COSIGNATURE, TIMESTAMP = "cosignature", "timestamp"
#: How far the operator's clock and the authority's may disagree.
CLOCK_SKEW = timedelta(minutes=5)
#: How long a time-stamping authority may take to answer.
TSA_TIMEOUT = 20.0


class WitnessError(CasegridError):
    code = "witness"


# -- the auditor's trusted head ---------------------------------------------------------------------

def trusted_problems(session: Session, trusted: dict[str, Any], ring: KeyRing) -> list[str]:
    """Why the log as it stands cannot be accepted by someone who trusted ``trusted`` before (empty: it can)."""
    where = f"你信任的树头 #{trusted.get('id')}（{trusted.get('time')}，{trusted.get('size')} 个叶子）"
    ok = log.head_signature_ok(trusted, ring)
    if ok is None:
        return [f"{where}：没有其签名密钥 {trusted.get('key_id')} 的公钥"]
    if not ok:
        return [f"{where}：签名无效（文件被改动）"]
    size, root = int(trusted["size"]), bytes.fromhex(str(trusted["root"]))
    latest = log.latest_head(session)
    problems: list[str] = []
    same = session.scalar(select(log.TreeHead).where(log.TreeHead.signature == trusted["signature"]))
    if same is None:
        problems.append(f"{where} 已不在数据库中（树头被删除）")
    if latest is None or latest.size < size:
        newest = "没有任何树头" if latest is None else f"最新的树头 #{latest.id} 只有 {latest.size} 个叶子"
        problems.append(f"{where}之后数据库中{newest}（树头被删除或日志被截断）")
        return problems
    h = hash_of(latest.profile)
    for head in session.scalars(select(log.TreeHead).where(log.TreeHead.size == size)):
        if head.root != trusted["root"]:
            problems.append(f"日志分叉：树头 #{head.id} 与{where}大小相同而根哈希不同")
    try:
        proof = log.consistency_proof(session, size, latest.size, h)
        consistent = merkle.verify_consistency(size, latest.size, root, bytes.fromhex(latest.root), proof, h)
    except LookupError as exc:
        consistent = False
        problems.append(str(exc))
    if not consistent:
        problems.append(f"最新的树头 #{latest.id}（{latest.size} 个叶子）与{where}不一致："
                        "你信任之后，已签名的记录被改写、删除或日志分叉")
    return problems


# -- cosignatures ------------------------------------------------------------------------------------

def cosign(session: Session, head: log.TreeHead, key: PrivateKey, operator_ring: KeyRing, *,
           at: datetime) -> log.TreeHeadWitness:
    """The auditor's signature of ``head``, after checking the operator's signature and the log up to it."""
    data = log.head_dict(head)
    if log.head_signature_ok(data, operator_ring) is not True:
        raise WitnessError(f"树头 #{head.id} 的签名无法用给定公钥核对：不予联署")
    if log.tree_root(session, head.size, hash_of(head.profile)).hex() != head.root:
        raise WitnessError(f"树头 #{head.id} 与日志现状不符：不予联署")
    if session.scalar(select(log.TreeHeadWitness).where(
            log.TreeHeadWitness.head_id == head.id, log.TreeHeadWitness.kind == COSIGNATURE,
            log.TreeHeadWitness.signer == key.key_id)) is not None:
        raise ConflictError(f"密钥 {key.key_id} 已联署过树头 #{head.id}")
    row = log.TreeHeadWitness(head_id=head.id, kind=COSIGNATURE, signer=key.key_id,
                              value=f"{key.profile}:{key.sign(log.cosign_message(data))}", at=to_db(at))
    session.add(row)
    session.flush()
    return row


# -- RFC 3161 time-stamps ------------------------------------------------------------------------------

def head_digest(data: dict[str, Any]) -> bytes:
    """What the authority time-stamps: the SHA-256 of the signed head and its signature."""
    return hashlib.sha256(log.signed_message(data) + b"\n" + str(data["signature"]).encode()).digest()


def timestamp_request(digest: bytes) -> bytes:
    return tsp.TimeStampReq({
        "version": "v1",
        "message_imprint": {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": digest},
        "nonce": secrets.randbits(63), "cert_req": True}).dump()


def timestamp(session: Session, head: log.TreeHead, url: str, *, at: datetime) -> log.TreeHeadWitness:
    """Ask the authority at ``url`` to time-stamp ``head``; the token is kept with the head."""
    digest = head_digest(log.head_dict(head))
    try:
        answer = httpx.post(url, content=timestamp_request(digest), timeout=TSA_TIMEOUT,
                            headers={"Content-Type": "application/timestamp-query"})
    except httpx.HTTPError as exc:
        raise WitnessError(f"无法连接时间戳服务 {url}：{type(exc).__name__}") from None
    if answer.status_code != 200:
        raise WitnessError(f"时间戳服务 {url} 拒绝了请求（HTTP {answer.status_code}）")
    try:
        response = tsp.TimeStampResp.load(answer.content)
        status = response["status"]["status"].native
        token = response["time_stamp_token"]
        if status not in ("granted", "granted_with_mods") or token.native is None:
            raise WitnessError(f"时间戳服务 {url} 未给出时间戳（状态 {status}）")
        token_der = token.dump()
        _tst_info(token_der, digest)
    except (ValueError, TypeError, KeyError) as exc:
        raise WitnessError(f"时间戳服务 {url} 的回答无法读取：{exc}") from None
    row = log.TreeHeadWitness(head_id=head.id, kind=TIMESTAMP, signer=url[:300],
                              value=log.encode_token(token_der), at=to_db(at))
    session.add(row)
    session.flush()
    return row


def _tst_info(token_der: bytes, digest: bytes) -> tsp.TSTInfo:
    token = cms.ContentInfo.load(token_der)
    signed = token["content"]
    info = signed["encap_content_info"]["content"].parsed
    if info["message_imprint"]["hashed_message"].native != digest:
        raise ValueError("时间戳所盖的不是这个树头")
    return info


def verify_timestamp(token_der: bytes, digest: bytes, certs: list[x509.Certificate]) -> datetime:
    """The time the token vouches for, after checking it covers ``digest`` and is signed by one of ``certs``."""
    info = _tst_info(token_der, digest)
    signed = cms.ContentInfo.load(token_der)["content"]
    signer = signed["signer_infos"][0]
    content = signed["encap_content_info"]["content"].contents
    algo = signer["digest_algorithm"]["algorithm"].native
    digest_cls = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512, "sha1": hashes.SHA1}[algo]
    attrs = signer["signed_attrs"]
    wanted = next(a["values"][0].native for a in attrs if a["type"].native == "message_digest")
    h = hashes.Hash(digest_cls())
    h.update(content)
    if h.finalize() != wanted:
        raise ValueError("时间戳令牌的内容与其签名属性不符")
    signed_bytes = attrs.untag().dump()  # the attributes are signed as a SET, not with their [0] tag
    signature = signer["signature"].native
    for cert in certs:
        public = cert.public_key()
        try:
            if isinstance(public, rsa.RSAPublicKey):
                public.verify(signature, signed_bytes, padding.PKCS1v15(), digest_cls())
            elif isinstance(public, ec.EllipticCurvePublicKey):
                public.verify(signature, signed_bytes, ec.ECDSA(digest_cls()))
            else:
                continue
            return info["gen_time"].native
        except InvalidSignature:
            continue
    raise ValueError("时间戳令牌不是由给定的时间戳服务证书签发的")


# -- reviewing what is given ------------------------------------------------------------------------

@dataclass
class WitnessReview:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)


def witness_review(session: Session, cosigners: KeyRing, tsa_cert_files: list[Path]) -> WitnessReview:
    """Check every cosignature by a key in ``cosigners`` and every time-stamp against the given TSA certificates."""
    review = WitnessReview()
    certs = [x509.load_pem_x509_certificate(p.read_bytes()) for p in tsa_cert_files]
    rows = session.execute(select(log.TreeHeadWitness, log.TreeHead).join(
        log.TreeHead, log.TreeHead.id == log.TreeHeadWitness.head_id).order_by(log.TreeHeadWitness.id)).all()
    for row, head in rows:
        data = log.head_dict(head)
        where = f"树头 #{head.id}"
        if row.kind == COSIGNATURE:
            key = cosigners.get(row.signer)
            if key is None:
                if cosigners:
                    review.notes.append(f"{where} 由密钥 {row.signer} 联署，未提供其公钥，未核对")
                continue
            profile, _, signature = row.value.partition(":")
            if key.profile != profile or not key.verify(log.cosign_message(data), signature):
                review.problems.append(f"{where} 的联署签名（{row.signer}）无效：树头在联署后被改写")
            else:
                review.passed.append(f"{where} 由审计方密钥 {row.signer} 联署，签名有效")
        elif row.kind == TIMESTAMP:
            if not certs:
                review.notes.append(f"{where} 有 {row.signer} 的时间戳，未提供时间戳服务证书，未核对")
                continue
            try:
                when = verify_timestamp(base64.b64decode(row.value), head_digest(data), certs)
            except (ValueError, KeyError, TypeError) as exc:
                review.problems.append(f"{where} 的时间戳无效：{exc}（树头在盖时间戳后被改写）")
                continue
            if when < as_utc(head.at) - CLOCK_SKEW:  # stamped before it was signed: the head's time is made up
                review.problems.append(f"{where} 自称签于 {data['time']}，时间戳却早于此（{when:%Y-%m-%d %H:%M}）")
            else:
                review.passed.append(f"{where} 的 RFC 3161 时间戳有效：{when:%Y-%m-%d %H:%M:%S} UTC（{row.signer}）")
    return review


