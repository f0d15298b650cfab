"""The demo's joint-meeting committee (联席会议) of 幸福里社区 and its rectification lists (整改清单).

Three monthly sittings over the last three months, each with its attendance per member unit, resolutions
(one carried out, one linked to a demo case, one overdue) and minutes the chair approved, so that the
committee's page, the 三率 of joint meetings and the community's notice board are not empty after
``casegrid demo``. The failed evaluations of the demo's exited project and the latest sitting become
rectification items: one 已整改 after a verification, one waiting for it, one overdue.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select

from engine.calendar import china_date
from engine.calendar.workdays import CHINA_TZ
from engine.cases.events import CaseEvent
from engine.cases.models import Case
from engine.clock import FixedClock, to_db
from engine.db import Database
from engine.joint.service import JointService
from engine.people.actor import Actor
from engine.projects.models import Project, ProjectEvaluation
from engine.rectification.service import RectificationService

COMMUNITY = "幸福里社区"
SUPERVISOR = Actor("dudao", "supervisor")
CHAIR = Actor("yishi", "council")
AUDITOR = Actor("jiandu", "auditor")
WORKER = Actor("wangge", "grid_worker")
#: (name, kind, representative) of the member units.
UNITS = (("城管执法中队", "department", "王队长"), ("幸福里物业服务中心", "property", "钱经理"),
         ("幸福里业主委员会", "owners", "孙主任"), ("阳光社工站", "social_org", "周社工"),
         ("幸福里社区居委会", "community", "赵书记"))


@dataclass
class JointDemo:
    committee_id: int
    sittings: int
    resolutions: int
    rectification_items: int


def _sitting_day(months_back: int, today: datetime) -> datetime:
    """The 10th of the month ``months_back`` before ``today``'s, 19:00 China time."""
    day = china_date(today).replace(day=1)
    for _ in range(months_back):
        day = (day - timedelta(days=1)).replace(day=1)
    return datetime.combine(day.replace(day=10), time(19), CHINA_TZ)


def _a_case_code(db: Database, before: datetime) -> str | None:
    """An open demo case of the community whose log ends before ``before`` (a resolution linked to it is
    the next event of its log)."""
    later = select(CaseEvent.id).where(CaseEvent.case_id == Case.id, CaseEvent.at >= to_db(before))
    with db.reading() as s:
        return s.scalar(select(Case.tracking_code).where(Case.community == COMMUNITY, Case.status == "open",
                                                         Case.process_key != "project", ~later.exists())
                        .order_by(Case.id).limit(1))


def run_joint_demo(db: Database, clock: FixedClock) -> JointDemo:
    """Seed the committee and its sittings up to ``clock``'s now; the clock ends where it started."""
    now = clock.now()
    joint, rect = JointService(db, clock), RectificationService(db, clock)
    clock.set(_sitting_day(3, now) - timedelta(days=5))
    committee_id = joint.create_committee(community=COMMUNITY, chair_username=CHAIR.username, actor=SUPERVISOR)
    units = {name: joint.add_unit(committee_id, name=name, kind=kind, representative=rep, actor=CHAIR)
             for name, kind, rep in UNITS}
    plans = [
        (3, "第一季度联席会议", [n for n in units if n != "阳光社工站"],
         "东门停车秩序每周联合巡查一次 | 城管执法中队 | {d30}\n地下车库照明更换 | 幸福里物业服务中心 | {d20}",
         "会议通报东门违停和车库照明问题，议定联合巡查和照明更换。"),
        (2, "加装电梯协调会", list(units),
         "公布加装电梯意见征询结果 | 幸福里社区居委会 | {d14}",
         "各方通报 3 号楼加装电梯进展，业委会转达居民意见。"),
        (1, "月度联席会议", [n for n in units if n not in ("城管执法中队", "幸福里业主委员会")],
         "楼道堆物集中清理 | 幸福里物业服务中心 | {d7}\n协调办理居民反映的问题 | 幸福里社区居委会 | {d30} | {case}",
         "物业通报楼道堆物清理计划；城管执法中队、业委会请假。"),
    ]
    meetings, resolutions = [], 0
    for months_back, title, present, lines, minutes in plans:
        when = _sitting_day(months_back, now)
        clock.set(when - timedelta(days=7))
        meeting_id = joint.schedule_meeting(committee_id, title=title, scheduled_for=when, actor=CHAIR,
                                            location="幸福里社区党群服务中心")
        clock.set(when + timedelta(hours=2))
        day = china_date(when)
        case = _a_case_code(db, clock.now())
        text = lines.format(case=case or "", **{f"d{n}": (day + timedelta(days=n)).isoformat() for n in (7, 14, 20, 30)})
        if not case:
            text = "\n".join(line for line in text.splitlines() if not line.endswith("| "))
        joint.record_sitting(meeting_id, attendees={units[n]: "" for n in present}, resolutions=text,
                             minutes=minutes, actor=CHAIR)
        resolutions += len(text.splitlines())
        clock.set(when + timedelta(days=1))
        joint.approve_minutes(meeting_id, CHAIR)
        meetings.append(meeting_id)
    # The first sitting's lighting was changed in time; its patrols were never confirmed (overdue by now).
    first = joint.meeting(meetings[0], CHAIR)
    clock.set(_sitting_day(3, now) + timedelta(days=15))
    joint.mark_done(next(r.id for r in first.resolutions if r.unit == "幸福里物业服务中心"), CHAIR,
                    note="车库 42 盏灯已更换")
    items = _rectification(db, clock, rect, meetings[-1], now)
    clock.set(now)
    return JointDemo(committee_id, len(meetings), resolutions, items)


def _rectification(db: Database, clock: FixedClock, rect: RectificationService, meeting_id: int,
                   now: datetime) -> int:
    """The exited project's last failed evaluation and the latest sitting become rectification items."""
    with db.reading() as s:
        evaluation = s.scalar(select(ProjectEvaluation.id).join(Project, Project.case_id == ProjectEvaluation.case_id)
                              .where(Project.outcome == "exited", ProjectEvaluation.passed.is_(False))
                              .order_by(ProjectEvaluation.id.desc()).limit(1))
        held_on = s.scalar(select(ProjectEvaluation.held_on).where(ProjectEvaluation.id == evaluation))
    raised = 0
    if evaluation is not None and held_on is not None:
        clock.set(datetime.combine(held_on + timedelta(days=1), time(10), CHINA_TZ))
        d = (held_on + timedelta(days=30)).isoformat()
        done, waiting = rect.raise_items(f"evaluation:{evaluation}",
                                         f"服务台账缺失，无法核对服务人次 | {d}\n上门探访频次未达合同约定 | {d}", AUDITOR)
        clock.advance(days=10)
        rect.submit(done, measures="补建 2 个季度的服务台账并逐户回访核对", evidence="台账扫描件 TZ-01～TZ-06", actor=WORKER)
        clock.advance(days=3)
        rect.verify(done, accepted=True, note="抽查 10 户，台账与回访一致", actor=AUDITOR)
        clock.advance(days=5)
        rect.submit(waiting, measures="剩余服务由社区营造中心接续", evidence="接续协议 XY-2026-07", actor=WORKER)
        raised += 2
    clock.set(now - timedelta(days=20))
    meeting = JointService(db, clock).meeting(meeting_id, CHAIR)
    found_on = meeting.meeting.scheduled_for
    deadline = (china_date(found_on) + timedelta(days=7)).isoformat()
    rect.raise_items(f"joint_meeting:{meeting_id}", f"3 号楼消防通道被电动车占用 | 幸福里物业服务中心 | {deadline}", CHAIR)
    return raised + 1
