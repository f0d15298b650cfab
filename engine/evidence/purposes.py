"""Why a file is in a case's record (codes in the log and the diagrams' file fields, words on the pages)."""
from __future__ import annotations

#: code -> label. A diagram's file field names one (``camunda:property purpose``); the report form uses ``report``.
PURPOSES: dict[str, str] = {
    "report": "反映时拍摄",
    "triage": "网格员核查",
    "site_visit": "现场核查",
    "before": "处置前",
    "after": "处置后",
    "completion": "办结照片",
    "document": "办理文书",
    "session": "调解会谈材料",
    "agreement": "调解协议",
    "minutes": "会议记录",
    "visit": "入户走访",
}

#: The photos the public may see (their EXIF-free copies) on the tracking page: what was reported and what
#: was done. A mediation's or a council sitting's files never leave the staff pages.
PUBLIC_PURPOSES = frozenset({"report", "before", "after", "completion"})

#: Files whose originals hold personal matters: every download of one is written to the access log.
SENSITIVE_PURPOSES = frozenset({"session", "agreement", "minutes", "document", "visit"})
