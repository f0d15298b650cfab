"""Demo council work: a meeting with several issues, a deferral carried to the next meeting,
and two household votes (户主表决) — one that passes and one that fails.

The helpers (households, issues at the council, a sitting with everyone voting the same way) are
used by the tests and the benchmark too.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.cases.models import Case
from engine.council.meetings import ItemDecision
from engine.council.models import Household
from engine.council.service import CouncilService
from engine.demo.driver import Driver
from engine.people.actor import Actor

CHAIR = Actor(username="yishi", role="council")
PROXY = Actor(username="wangge", role="grid_worker", grid_code="XF-01")
MEMBERS = ["张主任", "王委员", "李委员", "赵委员", "孙委员", "周委员", "吴委员", "郑委员", "冯委员"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


def seed_households(council: CouncilService, community: str = "幸福里社区", grid_code: str | None = "XF-01",
                    buildings: dict[str, int] | None = None) -> int:
    """Households of ``buildings`` (name → number of households), unless that community already has them."""
    buildings = buildings or {"1号楼": 24, "2号楼": 24, "3号楼": 12}
    with council.db.reading() as s:
        known = set(s.execute(select(Household.building, Household.room)
                              .where(Household.community == community)).all())
    rows: list[dict[str, str | None]] = []
    for building, count in buildings.items():
        for i in range(count):
            room = f"{i // 4 + 1}{i % 4 + 1:02d}"
            if (building, room) not in known:
                rows.append({"community": community, "building": building, "room": room, "grid_code": grid_code,
                             "head_name": SURNAMES[(len(rows) * 7) % len(SURNAMES)] + "先生/女士"})
    return council.add_households(rows)


def issue_at_council(driver: Driver, description: str, category: str = "公共设施") -> Case:
    """A reported issue the grid worker sent to the council (triage → 提交协商)."""
    case = driver.report(description=description, category=category)
    driver.do(case, "triage", triage_decision="negotiate", triage_note="需社区协商")
    return driver.refresh(case)


def everyone(members: list[int], vote: str, against: int = 0, abstain: int = 0) -> dict[int, str]:
    """Votes of ``members``: the last ``abstain`` abstain, the ``against`` before them vote against."""
    votes = {}
    for i, member in enumerate(members):
        from_end = len(members) - i
        votes[member] = "abstain" if from_end <= abstain else "against" if from_end <= abstain + against else vote
    return votes


def run_council_demo(driver: Driver, council: CouncilService) -> None:
    clock = driver.clock
    seed_households(council)
    lift = issue_at_council(driver, "3号楼老人多，希望加装电梯", "公共设施")
    square = issue_at_council(driver, "小区中心广场改造为口袋公园，增加健身器材和座椅", "公共设施")
    parking = issue_at_council(driver, "小区东门路边乱停车，消防通道常被堵", "停车交通")
    noise = issue_at_council(driver, "广场舞音响太大，影响休息", "噪音扰民")
    fee = issue_at_council(driver, "物业费拟由每平方米1.2元调整为1.6元", "物业管理")
    day = clock.now() + timedelta(days=2)
    first = council.schedule_meeting(title="幸福里社区居民议事会（第一次）", scheduled_for=day, members=MEMBERS,
                                     location="社区党群服务中心二楼", actor=CHAIR,
                                     case_ids=[c.id for c in (lift, square, parking, noise, fee)])
    clock.advance(days=2)
    page = council.meeting(first, CHAIR)
    present = [m.id for m in page.members][:8]
    deadline = (clock.now() + timedelta(days=60)).date().isoformat()
    by_case = {a.case_id: a.id for a in page.agenda}
    decisions = {
        by_case[lift.id]: ItemDecision("household_vote", everyone(present, "for", against=1),
                                       major_matter=True, responsible_department="zhujian", deadline=deadline,
                                       resolution_text="3号楼加装电梯一部，费用按楼层分摊，申请既有住宅加装电梯补贴",
                                       buildings=["3号楼"], vote_days=7),
        by_case[square.id]: ItemDecision("household_vote", everyone(present, "for", abstain=1),
                                         major_matter=True, responsible_department="zhujian", deadline=deadline,
                                         resolution_text="中心广场改造为口袋公园，占用部分停车位",
                                         buildings=["1号楼", "2号楼"], vote_days=7),
        by_case[parking.id]: ItemDecision("adopt", everyone(present, "for", against=2), responsible_department="chengguan",
                                          deadline=deadline, resolution_text="东门施划禁停线，城管每日巡查"),
        by_case[noise.id]: ItemDecision("defer", everyone(present, "for", abstain=3),
                                        reason="需先征求广场舞队意见，下次会议再议"),
        by_case[fee.id]: ItemDecision("reject", everyone(present, "against", abstain=2),
                                      reason="调价依据不足，请物业公开收支后再提"),
    }
    result = council.record_sitting(first, present=present, decisions=decisions, actor=CHAIR,
                                     minutes="应到9人，实到8人。")
    lift_vote, square_vote = sorted(result.tokens)
    # The lift: 3号楼's households vote online and by proxy; enough say yes → adopted, the department takes over.
    for i, (household, token) in enumerate(sorted(result.tokens[lift_vote].items())):
        clock.advance(hours=3)
        choice = "yes" if i % 6 else "no"
        if i % 3 == 0:
            council.cast_proxy(lift_vote, household, choice, PROXY)
        else:
            council.cast_online(token, choice)
    # The square: too few households agree before the window closes → rejected, reason published.
    for i, (_household, token) in enumerate(sorted(result.tokens[square_vote].items())):
        if i % 2:
            continue
        council.cast_online(token, "yes" if i % 4 else "no")
    clock.advance(days=8)
    council.close_due_votes()
    # The deferred issue comes back on the next meeting's agenda by itself.
    second = council.schedule_meeting(title="幸福里社区居民议事会（第二次）", scheduled_for=clock.now() + timedelta(days=1),
                                      members=MEMBERS, location="社区党群服务中心二楼", actor=CHAIR,
                                      case_ids=[])  # the deferred issue comes back by itself
    clock.advance(days=1)
    page = council.meeting(second, CHAIR)
    present = [m.id for m in page.members][:7]
    council.record_sitting(second, present=present, decisions={
        a.id: ItemDecision("adopt", everyone(present, "for", against=1), responsible_department="chengguan",
                           deadline=(clock.now() + timedelta(days=30)).date().isoformat(),
                           resolution_text="广场舞限时限音量，晚9点后停止") for a in page.agenda
    }, actor=CHAIR)
