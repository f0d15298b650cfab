"""What each assessment measures, its target and which way is better.

Targets come from the customer's planning documents (DESIGN.md §2.1 and §2.2). Where a
document sets a time bound but no share (first response ≤ 24 h, "1 day respond, 3 days
complete"), casegrid assesses the share of cases within the bound against
:data:`ON_TIME_SHARE`, the same 90 % bar the documents set for resolution and satisfaction.
Change a target here; stored runs keep the target they were assessed against.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

#: The share of cases that must meet a time bound the documents set without a share.
ON_TIME_SHARE = Fraction(90, 100)

#: Unit types of the quarterly assessment: the whole street office, its departments and communities.
STREET, DEPARTMENT, COMMUNITY = "street", "department", "community"
GRID, HOTSPOT, REPEAT, DISPUTE = "grid", "hotspot", "repeat", "dispute"

UNIT_TYPE_LABELS = {
    STREET: "全街道", DEPARTMENT: "职能部门", COMMUNITY: "社区", GRID: "网格",
    HOTSPOT: "热点（类别×网格）", REPEAT: "重复反映地址", DISPUTE: "矛盾纠纷（网格×类型）",
}


@dataclass(frozen=True)
class Indicator:
    key: str
    #: Chinese label (the msgid the web UI translates).
    label: str
    #: ``rate`` (a fraction shown as %), ``count``, ``days`` (working days), ``hours`` (clock hours) or
    #: ``points`` (a score out of 100).
    kind: str
    #: ``higher``, ``lower`` or None (neither is better, e.g. volume).
    better: str | None
    #: Definition, shown beside the table and in the export.
    definition: str
    target: Fraction | None = None
    #: Where the target comes from.
    source: str = ""
    #: Unit types the indicator is computed for (others do not get a row).
    unit_types: frozenset[str] = frozenset({STREET, DEPARTMENT, COMMUNITY})

    def meets(self, value: float | None, numerator: int | None, denominator: int | None) -> bool | None:
        """Whether the figure meets the target: None when there is no target or nothing to measure.

        Rates compare the exact fraction, so 9 of 10 meets a 90 % target (no float rounding).
        """
        if self.target is None or value is None:
            return None
        if self.kind == "rate" and numerator is not None and denominator:
            actual = Fraction(numerator, denominator)
        else:
            actual = Fraction(value).limit_denominator(10**9)
        return actual >= self.target if self.better == "higher" else actual <= self.target


def _rate(key: str, label: str, definition: str, target: Fraction | None = None, source: str = "",
          better: str = "higher", unit_types: frozenset[str] | None = None) -> Indicator:
    return Indicator(key, label, "rate", better, definition, target, source,
                     unit_types or frozenset({STREET, DEPARTMENT, COMMUNITY}))


QUARTERLY = [
    Indicator("volume", "受理量", "count", None, "本季度受理（登记）的案件数"),
    _rate("first_response", "24小时首次响应率",
          "本季度受理的案件中，24 小时内有人办理（首个待办完成）的比例；未满 24 小时且未响应的不计",
          ON_TIME_SHARE, "首次响应 ≤ 24 小时", unit_types=frozenset({STREET, COMMUNITY})),
    _rate("accept_on_time", "响应率（按时签收）",
          "本期到期的签收（报到）时限中，在时限内签收或说明理由退回的比例（每个时限计一次，延期后的新时限另计）",
          ON_TIME_SHARE, "一日响应：1 个工作日内签收"),
    _rate("onsite_on_time", "按时到场率", "本季度到期的到场时限中，在时限内到场核实的比例",
          ON_TIME_SHARE, "3 个工作日内到场"),
    _rate("complete_on_time", "按时办结率", "本季度到期的办结时限中，在决议时限内办结的比例",
          ON_TIME_SHARE, "三日办结 / 按决议时限办结"),
    Indicator("handling_median", "办理时长中位数（工作日）", "days", "lower",
              "本季度结案案件从受理到结案的工作日数（按官方工作日历）的中位数"),
    Indicator("handling_p90", "办理时长P90（工作日）", "days", "lower",
              "同上，90％ 的案件不超过的工作日数"),
    _rate("resolution_rate", "解决率", "本季度结案（不含合并的重复件）中结果为已解决的比例",
          Fraction(90, 100), "解决率 ≥ 90％"),
    _rate("satisfaction_rate", "满意率", "本季度居民主动评价中“满意”与“基本满意”的比例（默认评价另计）",
          Fraction(90, 100), "满意率 ≥ 90％"),
    _rate("default_rating_share", "默认评价占比", "本季度评价中 7 日未评价、按“基本满意”默认的比例",
          better="lower"),
    _rate("reopen_rate", "重办率", "本季度结案中曾因“不满意”被退回重办的比例", better="lower"),
    Indicator("whistle_hours", "跨部门事项平均办理时长（小时）", "hours", "lower",
              "本期由牵头部门办结的吹哨报到（跨部门）事项，从召集各部门到牵头部门报告办结的平均小时数",
              Fraction(24), "跨部门事项平均办理时长 ≤ 24 小时（由 72 小时压缩）"),
    _rate("return_rate", "退单率", "本期派给部门的单子（交办、吹哨报到的每个部门各计一次）中被部门退回的比例",
          better="lower", unit_types=frozenset({STREET, DEPARTMENT, COMMUNITY})),
    _rate("mediation_success", "调解成功率", "本季度结案的调解案件中达成并履行调解协议（已解决）的比例",
          Fraction(90, 100), "调解成功率 ≥ 90％"),
    _rate("onsite_resolution", "矛盾纠纷就地化解率",
          "本季度结案的矛盾纠纷（调解案件及“邻里纠纷”类案件）中在社区化解（已解决、未移交）的比例",
          Fraction(95, 100), "就地化解率 ≥ 95％"),
    # Joint meetings (联席会议, engine.assessments.joint): per community and street-wide.
    _rate("joint_attendance", "联席会议参会率",
          "本季度召开的联席会议中，应到成员单位（单位×次）实际出席的比例", ON_TIME_SHARE,
          "文件未定参会率目标，取与解决率、满意率相同的 90％", unit_types=frozenset({STREET, COMMUNITY})),
    _rate("joint_executable", "可执行决议比例",
          "本季度到期的联席会议决议中，在期限内执行完毕（确认完成，或关联案件、项目已办结）的比例",
          ON_TIME_SHARE, "文件未定比例目标，取 90％", unit_types=frozenset({STREET, COMMUNITY})),
    _rate("joint_effective", "联席会议有效运作率",
          "本季度已过去的月份（及已召开会议的当月）中，召开了过半数成员单位出席的联席会议的月份比例",
          Fraction(1), "每月至少召开1次联席会议", unit_types=frozenset({STREET, COMMUNITY})),
    _rate("visit_coverage", "走访覆盖率",
          "本期到期的计划走访（如独居老人每月至少上门 2 次）中，在时限（官方工作日）内完成走访的比例",
          ON_TIME_SHARE, "重点人群按走访计划上门", unit_types=frozenset({STREET, COMMUNITY})),
    # Volunteers (志愿服务, engine.field.volunteers): hours are those a grid worker confirmed.
    Indicator("volunteer_hours", "志愿者人均服务时长（小时）", "hours", "higher",
              "本期经网格员确认的志愿服务时长，除以在册（未停用）志愿者人数",
              unit_types=frozenset({STREET, COMMUNITY})),
    _rate("volunteer_active", "志愿者活跃率", "在册（未停用）志愿者中，本期有经确认的服务记录的比例",
          unit_types=frozenset({STREET, COMMUNITY})),
]

WEEKLY = [
    Indicator("open_items", "在办事项", "count", None, "周末（或此刻）仍未办完的待办事项", unit_types=frozenset()),
    Indicator("overdue_items", "超期事项", "count", "lower", "在办事项中已过办理时限的", Fraction(0),
              "超期事项应为 0", unit_types=frozenset()),
    Indicator("new_items", "本周新增", "count", None, "本周新产生的待办事项", unit_types=frozenset()),
    Indicator("done_items", "本周办结", "count", "higher", "本周办完的待办事项", unit_types=frozenset()),
]

MONTHLY = [
    Indicator("score", "综合得分", "points", "higher",
              "本月响应率、解决率、满意率、按时办结率各占 20 分，退单率、重办率各占 10 分（越低越好）；"
              "只按有数据的指标折算为百分制。得分最高的单位上红榜，最低的上黑榜",
              unit_types=frozenset()),
    Indicator("cases", "案件数", "count", None, "本月受理的案件数", unit_types=frozenset()),
    Indicator("repeat_cases", "重复反映", "count", "lower",
              "本月受理、且同一地址同一类别在此前 90 天内已有案件的（不含合并的重复件）", unit_types=frozenset()),
    Indicator("disputes", "矛盾纠纷", "count", "lower", "本月受理的调解案件和“邻里纠纷”类案件",
              unit_types=frozenset()),
]

#: The overall score of the weighted appraisal (engine.assessments.weights), in quarterly, annual and
#: three-year runs.
WEIGHTED_SCORE = "weighted_score"
WEIGHTED = [
    Indicator(WEIGHTED_SCORE, "综合考评得分", "points", "higher",
              "按考评方案的权重（满意度 60％，解决率、按时办结率、响应率、联席会议有效运作率各 10％）加权的百分制得分，"
              "只按有数据的指标折算；同类单位按得分排名", unit_types=frozenset()),
]

INDICATORS: dict[str, Indicator] = {i.key: i for i in WEIGHTED + QUARTERLY + WEEKLY + MONTHLY}
BY_KIND = {"weekly": WEEKLY, "monthly": MONTHLY, "quarterly": WEIGHTED + QUARTERLY, "annual": WEIGHTED + QUARTERLY,
           "triennial": WEIGHTED + QUARTERLY}
