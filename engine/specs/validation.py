"""Is a diagram publishable? The problems, each naming an element, for people and for the CLI.

The rules themselves live in :func:`engine.bpmn.parser.parse_process` (publishing
runs the very same checks); this module turns its verdict into a list of
:class:`Problem` and never raises, whatever it is given: a draft with a typo, a
10 MB export, a file that is not XML, a path that is a directory.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from engine.bpmn.parser import MAX_BPMN_BYTES, parse_process
from engine.bpmn.text import diagram_text
from engine.errors import SpecError

if TYPE_CHECKING:  # a file checked without a database needs no SQLAlchemy (casegrid process validate)
    from sqlalchemy.orm import Session

#: Element id used for problems of the document as a whole (not well formed, too large, unreadable).
DOCUMENT = "document"

_ID_PREFIX = re.compile(r"^([A-Za-z_][\w.\-]*): (.*)$", re.DOTALL)


@dataclass(frozen=True)
class Problem:
    element_id: str
    message: str

    @classmethod
    def from_text(cls, text: str) -> Problem:
        """Split ``"<element id>: <message>"`` as :class:`SpecError` problems are written."""
        match = _ID_PREFIX.match(text.strip())
        if match is None:
            return cls(DOCUMENT, _one_line(text))
        return cls(match.group(1), _one_line(match.group(2)))

    def __str__(self) -> str:
        return f"{self.element_id}: {self.message}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def problems_of(data: bytes | str, key: str | None = None, session: Session | None = None) -> list[Problem]:
    """Every reason ``data`` cannot be published (as process ``key`` if given); empty when it can.

    With a ``session`` its business rule tasks are checked against the published decision tables, as
    publishing does; without, against the seed tables (a file checked with no database).
    """
    try:
        if session is not None:
            from engine.specs.operations import checked
            checked(session, diagram_text(data), key)
        else:
            parse_process(data, key)
    except SpecError as exc:
        return [Problem.from_text(p) for p in exc.problems] or [Problem(DOCUMENT, _one_line(exc.message))]
    except Exception as exc:  # a checker must report, never crash: the type says where to look
        return [Problem(DOCUMENT, f"无法检查此文件（{type(exc).__name__}: {_one_line(str(exc))}）")]
    return []


def problems_of_file(path: Path, session: Session | None = None) -> list[Problem]:
    """:func:`problems_of` for a file, with what can go wrong before parsing reported the same way."""
    try:
        if not path.exists():
            return [Problem(DOCUMENT, "文件不存在")]
        if path.is_dir():
            return [Problem(DOCUMENT, "这是一个目录，不是流程图文件")]
        size = path.stat().st_size
        if size > MAX_BPMN_BYTES:  # refuse before reading: a huge file must not fill the memory
            return [Problem(DOCUMENT, f"文件过大（{size} 字节，上限 {MAX_BPMN_BYTES} 字节）")]
        if size == 0:
            return [Problem(DOCUMENT, "文件是空的")]
        data = path.read_bytes()
    except OSError as exc:
        return [Problem(DOCUMENT, f"无法读取文件（{exc.strerror or type(exc).__name__}）")]
    return problems_of(data, session=session)
