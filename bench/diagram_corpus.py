"""Report: how diagrams drawn in other tools fare in casegrid (docs/diagram_corpus.md).

    python bench/diagram_corpus.py [CORPUS_DIR ...] [--out docs/diagram_corpus.md]

Every ``*.bpmn`` under the given folders (default: :data:`DEFAULT_SOURCES`, all committed: the public
exports of other modellers in ``bench/corpus/miwg/`` (``bench/corpus/SOURCE.txt`` names each one's origin
and licence) and the repository's own fixtures of other modellers' habits), so a fresh clone
reproduces ``docs/diagram_corpus.md`` (``tests/bench/test_diagram_corpus.py`` checks that it does), goes
through what a supervisor does:

1. **unchanged** — validated exactly as drawn (``engine.specs.validation.problems_of``);
2. **after the import dialog** — lanes mapped to the guessed roles (a diagram without lanes gets
   one lane for the grid worker, the dialog's preset) and JUEL/FEEL conditions translated
   (``engine.bpmn.importing``), then validated again;
3. otherwise **refused**, counted by the kind of the first problem.

It also checks the promises of the import path: no diagram crashes the checker or takes longer
than ``HANG_SECONDS``, and every message shown is Chinese (no SpiffWorkflow English passing
through: a message without CJK characters is counted as untranslated).
"""
from __future__ import annotations

import argparse
import re
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.bpmn.importing import apply_import, review  # noqa: E402
from engine.errors import CasegridError  # noqa: E402
from engine.people.roles import Role  # noqa: E402
from engine.specs.validation import Problem, problems_of  # noqa: E402

HANG_SECONDS = 10
#: The folders the committed report covers (every file in them is in the repository).
DEFAULT_SOURCES = (ROOT / "bench" / "corpus" / "miwg", ROOT / "tests" / "fixtures" / "diagrams",
                   ROOT / "tests" / "fixtures" / "foreign")
_CJK = re.compile(r"[\u4e00-\u9fff]")
#: Kind of refusal, by the words of the first problem (first match wins).
KINDS: tuple[tuple[str, str], ...] = (
    ("XML 格式错误", "不是完整的 XML 文件"), ("DTD", "含 DTD 或实体（安全原因拒绝）"), ("不是 BPMN", "不是 BPMN 文件"),
    ("开始事件", "没有开始事件"), ("不存在", "引用了不存在的元素"),
    ("isExecutable", "未标记为可执行（建模器里勾选“可执行”即可）"),
    ("没有流程", "只有协作图、没有流程"),
    ("服务任务", "服务任务 / 外部调用"), ("发送任务", "服务任务 / 外部调用"), ("接收任务", "接收任务"),
    ("调用外部", "服务任务 / 外部调用"), ("连接器", "服务任务 / 外部调用"), ("zeebe", "Camunda 8 扩展"),
    ("bpmn:task", "未指定类型的任务"), ("手工任务", "手工任务"),
    ("泳道", "用户任务不在角色泳道中（无泳道）"),
    ("JUEL", "条件无法自动转换"), ("FEEL", "条件无法自动转换"), ("条件", "条件写法"),
    ("表达式", "脚本或表达式不合 casegrid 的受限写法"), ("脚本", "脚本或表达式不合 casegrid 的受限写法"),
    ("定时器", "定时器的值"), ("监听器", "监听器 / 输入输出映射"), ("映射", "监听器 / 输入输出映射"),
    ("表单", "外部表单 / JSON 表单"), ("SpiffWorkflow", "SpiffWorkflow 专有扩展"),
    ("调用活动", "调用活动目标不在图中"), ("消息", "消息定义"), ("多实例", "多实例"),
    ("不受支持", "不支持的元素"), ("未知", "不支持的元素"),
)


@dataclass
class Verdict:
    path: Path
    outcome: str  # unchanged / mapped / refused / crashed / hung
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def kind(self) -> str:
        if not self.problems:
            return ""
        text = self.problems[0].message
        return next((kind for word, kind in KINDS if word in text), "其他")


class _Hung(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise _Hung()


def judge(path: Path) -> Verdict:
    data = path.read_bytes()
    started = time.perf_counter()
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_SECONDS)
    try:
        problems = problems_of(data)
        if not problems:
            return Verdict(path, "unchanged", seconds=time.perf_counter() - started)
        try:
            text = data.decode("utf-8-sig")
            found = review(text)
            mapping = {lane.id: lane.suggested for lane in found.lanes if lane.suggested is not None}
            key = found.process_id if re.match(r"^[A-Za-z][A-Za-z0-9_\-]{1,59}$", found.process_id or "") else "imported"
            # The dialog's presets: guessed roles for named lanes, the grid worker (first receiver) for a diagram
            # drawn without lanes.
            rewritten = apply_import(text, key=key, name=found.process_name or key, lane_roles=mapping,
                                     lane_for_all=Role.GRID_WORKER if found.needs_lane else None)
            after = problems_of(rewritten, key)
        except (CasegridError, UnicodeDecodeError) as exc:
            after = problems or [Problem("document", getattr(exc, "message", str(exc)))]
        outcome = "mapped" if not after else "refused"
        return Verdict(path, outcome, after, time.perf_counter() - started)
    except _Hung:
        return Verdict(path, "hung", seconds=HANG_SECONDS)
    except Exception as exc:  # the point of the report: count them, never stop
        return Verdict(path, "crashed", [Problem("document", f"{type(exc).__name__}: {exc}")],
                       time.perf_counter() - started)
    finally:
        signal.alarm(0)


def judge_all(sources: list[Path] | tuple[Path, ...]) -> list[Verdict]:
    """A verdict for every ``*.bpmn`` under ``sources``, in path order."""
    return [judge(p) for p in sorted(p for s in sources if s.exists() for p in s.rglob("*.bpmn"))]


def report(verdicts: list[Verdict], sources: list[Path]) -> str:
    outcomes = Counter(v.outcome for v in verdicts)
    untranslated = [(v, p) for v in verdicts for p in v.problems if not _CJK.search(p.message)]
    kinds = Counter(v.kind for v in verdicts if v.outcome == "refused")
    lines = [
        "# Diagrams from other modellers in casegrid",
        "",
        f"Generated by `python bench/diagram_corpus.py` over {len(verdicts)} diagrams "
        f"({', '.join(str(s.relative_to(ROOT)) if s.is_relative_to(ROOT) else str(s) for s in sources)}). "
        "Each diagram is validated as drawn, then after the import dialog's automatic answers (lanes mapped to the "
        "guessed role, JUEL/FEEL conditions translated), exactly as `engine.bpmn.importing` writes them.",
        "",
        "| outcome | diagrams |",
        "|---|---|",
        f"| publishes unchanged | {outcomes['unchanged']} |",
        f"| publishes after the import dialog (lane mapping, condition translation) | {outcomes['mapped']} |",
        f"| refused, with a message naming the element and what to change | {outcomes['refused']} |",
        f"| crashed the checker | {outcomes['crashed']} |",
        f"| took longer than {HANG_SECONDS} s | {outcomes['hung']} |",
        f"| messages without Chinese (untranslated) | {len(untranslated)} |",
        "",
        "## By source",
        "",
        "| source | diagrams | unchanged | after the import dialog | refused | crashed / hung |",
        "|---|---|---|---|---|---|",
        *[_source_row(source, [v for v in verdicts if v.path.is_relative_to(source)]) for source in sources],
        "",
        "`bench/corpus/miwg/` holds real exports of other modelling tools (Camunda Modeler 7 and 8, Signavio, "
        "Trisotech, Yaoqiang, W4, Eclipse BPMN2 Modeler, itp-commerce, OMNITRACKER, bpmn-js) from the OMG BPMN Model Interchange "
        "Working Group's public test suite (github.com/bpmn-miwg/bpmn-miwg-test-suite, CC BY 3.0; "
        "`bench/corpus/SOURCE.txt` names each file's tool, path and commit); the other folders are casegrid's "
        "own fixtures of other modellers' habits and hostile files.",
        "",
        "## Why the refused ones are refused (first problem of each)",
        "",
        "| reason | diagrams |",
        "|---|---|",
        *[f"| {kind} | {n} |" for kind, n in kinds.most_common()],
        "",
        "## Every diagram",
        "",
        "| diagram | outcome | first problem after the import dialog |",
        "|---|---|---|",
    ]
    for v in sorted(verdicts, key=lambda v: str(v.path)):
        name = v.path.relative_to(ROOT) if v.path.is_relative_to(ROOT) else v.path
        first = f"`{v.problems[0].element_id}`: {v.problems[0].message}" if v.problems else ""
        first = first.replace("|", "\\|")
        lines.append(f"| {name} | {v.outcome} | {first[:300]} |")
    if untranslated:
        lines += ["", "## Untranslated messages", ""] + [f"- {v.path.name}: {p.message}" for v, p in untranslated]
    return "\n".join(lines) + "\n"


def _source_row(source: Path, verdicts: list[Verdict]) -> str:
    n = Counter(v.outcome for v in verdicts)
    name = source.relative_to(ROOT) if source.is_relative_to(ROOT) else source
    return (f"| {name} | {len(verdicts)} | {n['unchanged']} | {n['mapped']} | {n['refused']} | "
            f"{n['crashed'] + n['hung']} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "diagram_corpus.md")
    args = parser.parse_args(argv)
    sources = args.folders or list(DEFAULT_SOURCES)
    verdicts = judge_all(sources)
    args.out.write_text(report(verdicts, [s for s in sources if s.exists()]), encoding="utf-8")
    outcomes = Counter(v.outcome for v in verdicts)
    print(f"{len(verdicts)} diagrams: {dict(outcomes)} → {args.out}")
    return 1 if outcomes["crashed"] or outcomes["hung"] else 0


if __name__ == "__main__":
    sys.exit(main())
