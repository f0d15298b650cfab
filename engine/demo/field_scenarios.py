"""The demo's field work (issue 23): flagged households, a visit plan for 独居老人, a month and more of visits
(most on time, a few late, one household missed), a 民情恳谈会 and a need that became a case.

Runs on the demo's clock over its last four weeks, after the council's demo has seeded the register.
"""
from __future__ import annotations

from datetime import timedelta

from engine.calendar import china_date
from engine.clock import FixedClock
from engine.council.service import CouncilService
from engine.demo.council_scenarios import seed_households
from engine.field.service import FieldService
from engine.field.visits import MeetingInput, VisitInput
from engine.field.volunteers import POINTS, ServiceInput, VolunteerInput
from engine.people.actor import Actor

WORKER = Actor(username="wangge", role="grid_worker", grid_code="XF-01")
WORKER_HP = Actor(username="wangge2", role="grid_worker", grid_code="HP-01")
SUPERVISOR = Actor(username="dudao", role="supervisor")
#: Households (address in the register → flags) of the two demo grids.
FLAGGED = {
    ("XF-01", "1号楼 101"): ["独居老人"], ("XF-01", "1号楼 203"): ["独居老人", "残疾人"],
    ("XF-01", "2号楼 302"): ["独居老人", "低保户"], ("XF-01", "3号楼 104"): ["留守儿童"],
    ("HP-01", "5号楼 101"): ["独居老人"], ("HP-01", "5号楼 102"): ["低保户"],
}
NEEDS = ["楼道声控灯不亮，老人晚上出门不便", "想了解社区助餐点的开放时间", "卫生间扶手松动"]


def run_field_demo(field: FieldService, council: CouncilService, clock: FixedClock, *, days: int = 28) -> None:
    """``days`` of field work ending at ``clock``'s start + ``days`` (the caller sets the start)."""
    seed_households(council)  # the council demo may have seeded 幸福里 already: only missing rooms are added
    seed_households(council, "和平苑社区", "HP-01", {"5号楼": 8})
    homes = {(h.grid_code, h.address): h.household_id for h in field.households(SUPERVISOR)}
    for key, flags in FLAGGED.items():
        if key in homes:
            field.set_flags(homes[key], flags, SUPERVISOR)
    if not any(p.name == "独居老人每月至少2次上门" for p in field.plans(SUPERVISOR)):
        field.create_plan(name="独居老人每月至少2次上门", flag="独居老人", per_month=2, grid_code=None, actor=SUPERVISOR)
        field.create_plan(name="低保户每月走访1次", flag="低保户", per_month=1, grid_code=None, actor=SUPERVISOR)
    needs = iter(NEEDS)
    start = clock.now()
    for day in range(days):
        clock.set(start + timedelta(days=day, hours=1))
        field.generate_due()  # what the sweep does each day: a new month's due visits appear on its first day
        today = china_date(clock.now()).isoformat()
        for worker in (WORKER, WORKER_HP):
            due = field.due_list(worker)
            # Every third day the grid worker takes the two most urgent households; 和平苑's 102 is never reached.
            for row in (due[:2] if day % 3 == 0 else []):
                if row.address == "5号楼 102":
                    continue
                need = next(needs, None) if worker is WORKER else None
                field.record_visit(VisitInput(row.household_id, today, "户主本人", notes="身体状况良好，生活能自理",
                                              needs=[need] if need else []), worker)
        if day == 10:
            meeting = field.record_meeting(MeetingInput(today, "本月民情恳谈会", "幸福里社区活动室", 18,
                                                        "王先生\n李女士\n张先生", ["小区电动车充电桩不够", "2号楼外墙渗水"]),
                                           WORKER)
            field.need_to_case(field.meeting(meeting, WORKER).issues[1].need_id, "物业管理", WORKER)
    first = next(v for v in field.recent_visits(WORKER) if v.needs)
    first_need = field.visit(first.visit_id, WORKER).needs[0]
    if first_need.tracking_code is None:
        field.need_to_case(first_need.need_id, "公共设施", WORKER)
    seed_volunteers(field, clock)


#: Volunteers of the demo (grid worker → name, phone, skills): 幸福里 has its two, 和平苑 is one short.
VOLUNTEERS = {WORKER: [("赵志愿", "13800138001", "理发、陪护"), ("钱热心", "13800138002", "家电维修")],
              WORKER_HP: [("孙助老", "13800138003", "助餐送餐")]}


def seed_volunteers(field: FieldService, clock: FixedClock) -> None:
    """Volunteers with services over the last weeks: most confirmed (points and time bank credited), one
    waiting for the grid worker, one redemption."""
    if field.volunteer_rows(SUPERVISOR):
        return
    today = china_date(clock.now())
    for worker, people in VOLUNTEERS.items():
        for n, (name, phone, skills) in enumerate(people):
            helper = field.register_volunteer(VolunteerInput(name, phone, skills, "周末上午", "2026 年助老服务培训"),
                                              worker)
            for back, hours, what in ((20, "2", "陪独居老人就医"), (12, "1.5", skills.split("、")[0]),
                                      (3, "1", "楼道清扫")):
                service = field.record_service(helper, ServiceInput((today - timedelta(days=back + n)).isoformat(),
                                                                    hours, what), worker)
                if back > 5:  # the newest waits for the grid worker to confirm its hours
                    field.decide_service(service, True, worker)
            if n == 0:
                field.spend(helper, POINTS, 10, "兑换洗衣液一瓶", worker)
