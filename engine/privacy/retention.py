"""How long a closed case keeps its personal data, and the sweep that erases it when that ends (PIPL Art. 19, 47).

A period runs from the case's closing. The rules, longest matching one wins (a legal duty to keep
outweighs an earlier end)::

    {"default": 3, "outcome": {"rejected": 1, "merged": 1}, "category": {"邻里纠纷": 5}}

(years), from ``$CASEGRID_RETENTION`` (that JSON, or the path of a file holding it), else
:data:`DEFAULT_RULES`. :func:`sweep_retention` erases (or, dry run, lists) the cases whose period
ended, in batches: a batch that fails is retried case by case, and a case that fails is reported and
left for the next run while the others are erased.
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from engine.cases.models import Case
from engine.clock import as_utc, to_db
from engine.db import Database
from engine.errors import CasegridError, ValidationError
from engine.people.actor import SYSTEM, Actor
from engine.privacy.keys import CaseDataKey
from engine.privacy.shredding import erase_cases

RETENTION_ENV = "CASEGRID_RETENTION"
#: 3 years after closing for ordinary cases; an issue not taken up (rejected, merged into another) 1 year;
#: a neighbourhood dispute 5 years (a later dispute between the same parties reads the earlier one).
DEFAULT_RULES: Mapping[str, object] = {"default": 3, "outcome": {"rejected": 1, "merged": 1},
                                       "category": {"邻里纠纷": 5}}
#: Cases erased per transaction.
BATCH = 100


def _add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def _years(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 100:
        raise ValidationError("保存期限配置有误", {where: "保存期限应为 1–100 的整数（年）"})
    return value


@dataclass(frozen=True)
class RetentionPolicy:
    default: int = 3
    outcome: Mapping[str, int] = field(default_factory=dict)
    category: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, rules: Mapping[str, object]) -> RetentionPolicy:
        unknown = set(rules) - {"default", "outcome", "category"}
        if unknown:
            raise ValidationError("保存期限配置有误", {k: "未知的配置项（应为 default / outcome / category）"
                                              for k in sorted(unknown)})
        maps = {}
        for name in ("outcome", "category"):
            given = rules.get(name) or {}
            if not isinstance(given, Mapping):
                raise ValidationError("保存期限配置有误", {name: "应为 名称 → 年数 的对象"})
            maps[name] = {str(k): _years(v, f"{name}.{k}") for k, v in given.items()}
        return cls(_years(rules.get("default", 3), "default"), maps["outcome"], maps["category"])

    @classmethod
    def from_env(cls) -> RetentionPolicy:
        value = os.environ.get(RETENTION_ENV, "").strip()
        if not value:
            return cls.of(DEFAULT_RULES)
        if not value.startswith("{"):
            try:
                value = Path(value).read_text(encoding="utf-8")
            except OSError as exc:
                raise CasegridError(f"无法读取保存期限配置 {value}：{exc.strerror}") from None
        try:
            rules = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValidationError("保存期限配置有误", {RETENTION_ENV: f"不是有效的 JSON（{exc.msg}）"}) from None
        if not isinstance(rules, Mapping):
            raise ValidationError("保存期限配置有误", {RETENTION_ENV: "应为 JSON 对象"})
        return cls.of(rules)

    def rule(self, case: Case) -> tuple[int, str]:
        """The years ``case`` is kept after closing and the rule that says so."""
        found = [(self.default, "默认")]
        if case.outcome in self.outcome:
            found.append((self.outcome[case.outcome], f"办理结果 {case.outcome}"))
        if case.category in self.category:
            found.append((self.category[case.category], f"类别 {case.category}"))
        years, name = max(found, key=lambda f: f[0])
        return years, f"{name}：结案后 {years} 年"

    def shortest(self) -> int:
        return min([self.default, *self.outcome.values(), *self.category.values()])

    def expires_at(self, case: Case) -> datetime | None:
        if case.closed_at is None:
            return None
        return _add_years(case.closed_at, self.rule(case)[0])


@dataclass(frozen=True)
class Due:
    tracking_code: str
    case_id: int
    closed_at: datetime
    expires_at: datetime
    rule: str


@dataclass
class RetentionReport:
    dry_run: bool
    due: list[Due] = field(default_factory=list)
    erased: list[str] = field(default_factory=list)
    #: tracking code → why it could not be erased (left for the next run).
    failed: dict[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {"due": len(self.due), "erased": len(self.erased), "failed": len(self.failed)}


def due_cases(session: Session, now: datetime, policy: RetentionPolicy, limit: int | None = None) -> list[Due]:
    """Closed cases whose retention ended by ``now`` and whose personal data is not erased yet, oldest first."""
    cutoff = to_db(_add_years(as_utc(now), -policy.shortest()))
    erased_already = exists().where(CaseDataKey.case_id == Case.id, CaseDataKey.wrapped.is_(None))
    query = (select(Case).where(Case.status == "closed", Case.closed_at <= cutoff, ~erased_already)
             .order_by(Case.closed_at, Case.id))
    stored_now = to_db(now)
    found = []
    for case in session.scalars(query.execution_options(yield_per=1000)):
        expires = policy.expires_at(case)
        if expires is not None and expires <= stored_now:
            assert case.closed_at is not None
            found.append(Due(case.tracking_code, case.id, case.closed_at, expires, policy.rule(case)[1]))
            if limit is not None and len(found) >= limit:
                break
    return found


def _erase(session: Session, due: list[Due], actor: Actor, at: datetime) -> None:
    cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_([d.case_id for d in due])))}
    erase_cases(session, [cases[d.case_id] for d in due], actor=actor, at=at, reason="retention",
                details={d.case_id: d.rule for d in due})


def sweep_retention(db: Database, now: datetime, *, policy: RetentionPolicy | None = None, dry_run: bool = False,
                    limit: int | None = None, actor: Actor = SYSTEM) -> RetentionReport:
    """Erase the personal data of every case whose retention ended (``dry_run``: only list them)."""
    policy = policy or RetentionPolicy.from_env()
    with db.reading() as s:
        due = due_cases(s, now, policy, limit)
    report = RetentionReport(dry_run, due)
    if dry_run:
        return report
    for start in range(0, len(due), BATCH):
        batch = due[start:start + BATCH]
        try:
            with db.transaction() as s:
                _erase(s, batch, actor, now)
            report.erased += [d.tracking_code for d in batch]
            continue
        except Exception:  # noqa: BLE001 - a failing case never stops the others: retried one by one below
            pass
        for item in batch:
            try:
                with db.transaction() as s:
                    _erase(s, [item], actor, now)
                report.erased.append(item.tracking_code)
            except Exception as exc:  # noqa: BLE001 - reported, and left for the next run
                report.failed[item.tracking_code] = (exc.message if isinstance(exc, CasegridError)
                                                     else f"{type(exc).__name__}: {exc}")
    return report
