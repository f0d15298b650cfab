"""Personal data out of text that is published: phones, e-mail, chat handles, ID and bank numbers, plates, homes.

Residents and staff write numbers every way they can: ``138.0013.8000``, ``１３８ ００１３ ８０００``,
``一三八零零一三八零零零``, ``+86 138…``, ``(010)87654321``. Detection therefore runs on a *folded* copy
of the text — full-width forms to ASCII, Chinese numerals (零〇一…九, 幺) to digits — of exactly the same
length, and the spans it finds are masked in the original. Each rule recognises a kind of datum by its
shape (a mobile number is 1[3-9] and nine digits, an ID number carries a birth date, a bank card passes
Luhn's check), so a standard's number (GB 50016-2014), a date, an amount or a 12345 work-order number
is left alone. Homes are masked at the room (``3号楼2单元***``); the building and street stay.

The corpus in ``tests/fixtures/personal_data.py`` is the specification: grow it with every miss.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date

#: What a masked datum becomes.
MASK = "****"

_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_NUMERALS = {ord(c): ord(d) for c, d in zip("零〇一二三四五六七八九幺", "001234567891", strict=True)}
#: One character in, one character out: spans found in the folded text are spans of the original.
_FOLD = {**_FULLWIDTH, **_NUMERALS, 0x3000: 0x20}

# -- shapes -----------------------------------------------------------------------------------------

_SEP = r"[ \t\-.·_()—–‐‑]"
#: A run of digits that may hide a number: digits with up to two separators between them, a leading +,
#: a trailing X (ID numbers).
_RUN = re.compile(rf"\+?\d(?:{_SEP}{{0,2}}\d)*(?:[Xx](?![A-Za-z]))?")
_NON_DIGIT = re.compile(r"\D")
#: How card numbers are written: all together, or in groups of four (the last one shorter).
_CARD_GROUPS = re.compile(r"\d{16,19}|\d{4}(?:[ -]\d{4}){3}(?:[ -]\d{1,4})?")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0[1-9]\d{8,10}")
#: Words that announce a phone number just before it (a bare 7–8-digit number is a phone only after one).
_PHONE_WORD = re.compile(r"(?:电话|手机|座机|联系|致电|拨打|打|号码|tel|phone|call)\W{0,3}$", re.IGNORECASE)
#: A unit after a number: an amount, a size, a count or a year — not a phone.
_UNIT_AFTER = re.compile(r"\s*[元万千百米平年月日号户人个次天周度%℃]")
#: Latin letters just before a number: a standard (GB/T 2260-2007), a model or a work-order code.
_LETTER_PREFIX = re.compile(r"[A-Za-z]{1,8}(?:/[A-Za-z]{1,3})?[ \t]?$")

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_QQ = re.compile(r"(?i)qq(?:号码?)?\s*[:：]?\s*(\d{5,11})(?!\d)")
_WECHAT = re.compile(r"(?:微信号?|weixin|vx|wx)\s*[:：]?\s*([A-Za-z][-_A-Za-z0-9]{5,19})(?![-_A-Za-z0-9])",
                     re.IGNORECASE)
#: Already half-masked numbers (``138****8000``, ``****X``): the rest still narrows a person down.
_REMNANT = re.compile(r"[\dXx]+\*{3,}[\dXx]*|\*{3,}[\dXx]+")
#: The end of an ID number quoted on its own (``451X``), or the last digits after 尾号 / 后四位.
_ID_TAIL = re.compile(r"(?<![A-Za-z\d])\d{3,}[Xx](?![A-Za-z\d])")
_LAST_DIGITS = re.compile(r"(?:尾号|后[4四]位|末[4四]位)(?:是|为|[:：])?\s*(\d{3,6}[Xx]?)")

#: A vehicle's plate (沪A·12345, 粤B D12345): it names the car's keeper.
_PLATE = re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领][A-Z](?:[·•.\s]?)([A-Z0-9]{5,6})(?![A-Za-z0-9])")
#: A room after its building, unit or floor: 3号楼2单元502, 5楼502, B座1203室, 二单元五零二.
_ROOM_AFTER = re.compile(r"(?:号楼|栋|幢|座|单元|楼|层)\s*[-－]?\s*(\d{3,4})(?:\s*[室号房])?"
                         r"(?!\s*[\d.年月日元万千米平层楼栋幢单户个次人天周度%])")
_ROOM_SUFFIX = re.compile(r"(?<![\d.])(\d{3,4})\s*[室房](?![间屋子])")
#: Building-unit-room shorthand: 3-2-502.
_ROOM_SHORTHAND = re.compile(r"(?<![\d-])\d{1,3}-\d{1,2}-\d{3,4}(?![\d-])")


def fold(text: str) -> str:
    """``text`` with full-width forms as ASCII and Chinese numerals as digits, character for character."""
    return text.translate(_FOLD)


def redact(text: str | None, secrets: Iterable[str | None] = ()) -> str | None:
    """``text`` with personal data masked, and each of ``secrets`` (names, phones, addresses of the
    people in the case) replaced wherever it appears verbatim."""
    if not text:
        return text
    for secret in secrets:
        if secret and len(secret.strip()) >= 2:
            text = text.replace(secret.strip(), "**")
    folded = fold(text)
    spans = sorted(_spans(folded))
    out, last = [], 0
    for start, end in spans:
        if start < last:  # overlapping finds: extend the mask
            if end > last:
                last = end
            continue
        out.append(text[last:start])
        out.append(MASK)
        last = end
    out.append(text[last:])
    return "".join(out)


#: (pattern, the group to mask, a character one of which a match must contain): the patterns are tried only
#: when the text holds one of their characters, so ordinary text costs a few ``in`` tests, not a scan each.
_FINDERS: tuple[tuple[re.Pattern[str], int, str], ...] = (
    (_EMAIL, 0, "@"), (_REMNANT, 0, "*"), (_ID_TAIL, 0, "Xx"), (_ROOM_SHORTHAND, 0, "-"),
    (_QQ, 1, "Qq"), (_WECHAT, 1, "微VvWw"), (_LAST_DIGITS, 1, "尾后末"), (_PLATE, 1, ""),
    (_ROOM_AFTER, 1, "楼栋幢座元层"), (_ROOM_SUFFIX, 1, "室房"),
)


#: Every datum has a digit, or is an e-mail address, a masked remnant or a chat id.
_ANY_DATUM = re.compile(r"[\d@*]|微信|weixin|vx|wx", re.IGNORECASE)


def _spans(folded: str) -> Iterator[tuple[int, int]]:
    if not _ANY_DATUM.search(folded):
        return
    for pattern, group, needs in _FINDERS:
        if not needs or any(c in folded for c in needs):
            yield from (m.span(group) for m in pattern.finditer(folded))
    for match in _RUN.finditer(folded):
        yield from _numbers(folded, match.start(), match.group())


def _numbers(folded: str, start: int, run: str) -> Iterator[tuple[int, int]]:
    """The personal numbers in one run: the whole run, or else each space-separated part of it."""
    if _is_personal(folded, start, run):
        yield start, start + len(run)
        return
    offset = 0
    for part in re.split(r"([ \t]+)", run):
        if part.strip() and part != run and _is_personal(folded, start + offset, part):
            yield start + offset, start + offset + len(part)
        offset += len(part)


def _is_personal(folded: str, start: int, run: str) -> bool:
    digits = _NON_DIGIT.sub("", run)
    has_x = run[-1] in "Xx"
    if has_x:
        return len(digits) == 17 and _is_id_number(digits + "X")
    if _MOBILE.fullmatch(_national(run, digits)) or _LANDLINE.fullmatch(_national(run, digits)):
        return True
    if len(digits) in (15, 18) and _is_id_number(digits):
        return True
    if 16 <= len(digits) <= 19 and _CARD_GROUPS.fullmatch(run) and _luhn(digits):
        return True
    if len(digits) in (7, 8) and digits[0] in "23456789" and not _is_date(run) and not _is_year_range(run):
        before, after = folded[max(0, start - 12):start], folded[start + len(run):]
        if _UNIT_AFTER.match(after):
            return False
        return bool(_PHONE_WORD.search(before)) \
            or (_NON_DIGIT.search(run) is not None and not _LETTER_PREFIX.search(before))
    return False


def _is_year_range(run: str) -> bool:
    """2019-2026."""
    parts = [p for p in re.split(_SEP, run) if p]
    return len(parts) == 2 and all(len(p) == 4 and 1900 <= int(p) <= 2100 for p in parts)


def _national(run: str, digits: str) -> str:
    """The number without China's country code (+86, 0086, or 86 before a mobile number)."""
    if run.startswith("+86") or digits.startswith("0086"):
        return digits[2:] if run.startswith("+86") else digits[4:]
    if digits.startswith("86") and _MOBILE.fullmatch(digits[2:]):
        return digits[2:]
    return digits


def _is_id_number(number: str) -> bool:
    """18 characters with a birth date at 7–14, or the old 15 digits with one at 7–12."""
    if len(number) == 18:
        return _valid_date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    if len(number) == 15:
        return _valid_date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    return False


def _is_date(run: str) -> bool:
    """2026-03-02, 2026.3.2, 20260302."""
    parts = [p for p in re.split(_SEP, run) if p]
    if len(parts) == 1 and len(parts[0]) == 8 and parts[0].isdigit():
        parts = [parts[0][:4], parts[0][4:6], parts[0][6:]]
    return len(parts) == 3 and len(parts[0]) == 4 and all(p.isdigit() for p in parts) \
        and _valid_date(int(parts[0]), int(parts[1]), int(parts[2]))


def _valid_date(year: int, month: int, day: int) -> bool:
    if not 1900 <= year <= 2100:
        return False
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _luhn(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0
