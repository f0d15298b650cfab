"""Text that a spreadsheet must show as text, never run as a formula (CSV / formula injection).

Department, grid and display names, categories and free text reach the CSV and XLSX exports; a name
starting with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return before one) would be a live formula
in the supervisor's Excel or WPS — ``=HYPERLINK(…)`` sends cells away, DDE formulas ran programs. As
OWASP advises, such text gets a leading apostrophe in CSV (the spreadsheet's own "this is text" mark);
in XLSX the cell is written as a string with the quote-prefix style, so it shows unchanged and stays text
even when edited. Numbers stay numbers.
"""
from __future__ import annotations

import re
from typing import Any

#: First characters that make a spreadsheet read a cell as a formula (full-width forms too: WPS and
#: Excel with a Chinese IME accept ＝ and ＋).
FORMULA_START = frozenset("=+-@\t\r\n＝＋－＠")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?%?")


def is_formula_like(value: object) -> bool:
    """True for text a spreadsheet would evaluate; a plain signed number (``-3``, ``+0.5%``) is not."""
    return isinstance(value, str) and value[:1] in FORMULA_START and not _NUMBER.fullmatch(value)


def csv_cell(value: Any) -> Any:
    """``value`` for a CSV cell: formula-like text behind a leading apostrophe, anything else unchanged."""
    return f"'{value}" if is_formula_like(value) else value


def guard_xlsx_cell(cell: Any) -> None:
    """Make an openpyxl cell holding formula-like text a plain string cell with the quote prefix."""
    if is_formula_like(cell.value) or cell.data_type == "f":
        cell.data_type = "s"
        cell.quotePrefix = True
