"""``casegrid privacy catalogue / retention / erase``: the data catalogue, the retention sweep, one erasure."""
from __future__ import annotations

import getpass
from datetime import datetime, timedelta, timezone

import click

from engine.bootstrap import init_database
from engine.cases.queries import find_case
from engine.cli_support import clock_offset_option, db_option, friendly_errors
from engine.clock import SystemClock, as_utc
from engine.config import database_url
from engine.db import Database
from engine.people.actor import Actor
from engine.privacy.catalogue import CATALOGUE
from engine.privacy.retention import RetentionPolicy, sweep_retention
from engine.privacy.shredding import REASONS, erase_case

_CHINA = timezone(timedelta(hours=8))


def _database(db_url: str | None) -> Database:
    db = init_database(database_url(db_url))[0]
    click.get_current_context().call_on_close(db.dispose)
    return db


def _operator() -> Actor:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "operator"
    return Actor(username=f"cli:{name}"[:80], role="operator")


def _day(moment: datetime) -> str:
    return as_utc(moment).astimezone(_CHINA).strftime("%Y-%m-%d")


@click.group()
def privacy() -> None:
    """Personal data: the data catalogue (数据目录), retention and erasure (个人信息删除)."""


@privacy.command("catalogue")
def catalogue() -> None:
    """Every personal field: class (一般/敏感/核心), whether it is stored encrypted, where."""
    for f in CATALOGUE:
        click.echo(f"{f.level_label}  {'加密' if f.encrypted else '明文'}  {f.key:34} {f.label}")


@privacy.command("retention")
@db_option
@click.option("--dry-run", is_flag=True, help="Only list the cases whose retention ended; erase nothing.")
@click.option("--limit", type=click.IntRange(1), default=None, help="At most this many cases.")
@clock_offset_option
@friendly_errors
def retention(db_url: str | None, dry_run: bool, limit: int | None, clock_offset: timedelta | None) -> None:
    """Erase the personal data of closed cases whose retention period ended ($CASEGRID_RETENTION sets it)."""
    policy = RetentionPolicy.from_env()
    now = SystemClock().now() + (clock_offset or timedelta())
    report = sweep_retention(_database(db_url), now, policy=policy, dry_run=dry_run, limit=limit,
                             actor=_operator())
    for due in report.due:
        click.echo(f"{due.tracking_code}  结案 {_day(due.closed_at)}  到期 {_day(due.expires_at)}  {due.rule}")
    verb = "到期（试运行，未删除）" if dry_run else "已删除"
    click.echo(f"{len(report.due)} 件{verb}" + ("" if dry_run else f"，{len(report.erased)} 件完成"), err=True)
    for code, why in report.failed.items():
        click.echo(f"{code}: 删除失败：{why}", err=True)
    if report.failed:
        raise SystemExit(1)


@privacy.command("erase")
@db_option
@click.argument("code")
@click.option("--reason", type=click.Choice(sorted(REASONS)), default="admin", show_default=True)
@click.option("--detail", required=True, help="Why (e.g. the request's reference), recorded in the case's log.")
@friendly_errors
def erase(db_url: str | None, code: str, reason: str, detail: str) -> None:
    """Erase one case's personal data now (its data key is deleted; the record still verifies)."""
    db = _database(db_url)
    with db.transaction() as s:
        case = find_case(s, code)
        done = erase_case(s, case, actor=_operator(), at=SystemClock().now(), reason=reason, detail=detail.strip())
    click.echo(f"{done.tracking_code}: 个人信息已按规定删除（事件 {done.event_seq}）")
