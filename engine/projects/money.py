"""Amounts of money as typed on forms (元, up to two decimals) and as stored (分, integers: sums stay exact)."""
from __future__ import annotations

import re

_AMOUNT = re.compile(r"^\d{1,10}(\.\d{1,2})?$")
#: The largest single amount a form accepts: 1 亿元, far above any community project.
MAX_FEN = 100_000_000 * 100


def parse_yuan(text: str) -> int | None:
    """``"1,200.5"`` → 120050 fen; None for anything that is not a positive amount with at most two decimals."""
    cleaned = text.strip().replace(",", "").replace("，", "").removesuffix("元").strip()
    if not _AMOUNT.match(cleaned):
        return None
    whole, _, cents = cleaned.partition(".")
    fen = int(whole) * 100 + int((cents + "00")[:2])
    return fen if 0 < fen <= MAX_FEN else None


def yuan(fen: int) -> str:
    """120050 → ``"1,200.50"`` (for pages and the notice board)."""
    return f"{fen // 100:,}.{fen % 100:02d}"


def parse_budget_lines(text: str) -> tuple[list[tuple[str, int]], str | None]:
    """Budget lines ``事项 金额`` one per line → ``[(item, fen)]``, or the problem in the form's words."""
    lines: list[tuple[str, int]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        raw = raw.strip()
        if not raw:
            continue
        item, _, amount = raw.rpartition(" ")
        fen = parse_yuan(amount) if item.strip() else None
        if fen is None:
            return [], f"第 {number} 行应为“事项 金额”，金额为正数、最多两位小数，例如：场地改造 12000"
        if len(item.strip()) > 200:
            return [], f"第 {number} 行的事项名称过长（最多 200 字）"
        lines.append((item.strip(), fen))
    if not lines:
        return [], "请至少填写一行预算明细"
    if len(lines) > 100:
        return [], "预算明细最多 100 行"
    return lines, None
