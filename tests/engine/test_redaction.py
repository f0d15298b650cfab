"""Redaction of published text against the corpus of Chinese personal data (tests/fixtures/personal_data.py)."""
from __future__ import annotations

import re

import pytest

from engine.public.redaction import fold, redact
from tests.fixtures.personal_data import MUST_KEEP, MUST_MASK

#: Separators people put inside numbers; ignored when checking that no digits of a datum survive.
_SEPARATORS = re.compile(r"[ \t\-.·_()—–‐‑+]")


def _digits_of(text: str) -> str:
    return "".join(c for c in fold(text) if c.isdigit())


@pytest.mark.parametrize(("text", "datum"), MUST_MASK, ids=[t for t, _ in MUST_MASK])
def test_personal_data_is_masked_in_every_notation(text: str, datum: str) -> None:
    masked = redact(text)
    assert masked is not None and datum not in masked, masked
    digits = _digits_of(datum)
    if len(digits) >= 3:
        assert digits not in _SEPARATORS.sub("", fold(masked)), masked
    assert "****" in masked
    # The words around the datum stay readable.
    words = [w for w in re.split(r"[\W\d零〇一二三四五六七八九幺]+", text.replace(datum, " ")) if len(w) >= 2 and not w.isascii()]
    assert all(w in masked for w in words), (masked, words)


@pytest.mark.parametrize("text", MUST_KEEP)
def test_numbers_that_are_not_personal_data_are_kept(text: str) -> None:
    assert redact(text) == text


def test_the_names_and_numbers_of_the_people_in_the_case_are_masked_wherever_they_appear() -> None:
    text = "张三与李四因漏水发生纠纷，张三称李四住在楼上"
    assert redact(text, ["张三", "李四", None, " "]) == "**与**因漏水发生纠纷，**称**住在楼上"


def test_nothing_in_nothing_out() -> None:
    assert redact(None) is None and redact("") == ""


def test_fold_keeps_every_character_in_place() -> None:
    text = "电话：１３８－００１３ 一三八〇幺 ＷＡＮＧ＠ｅｘａｍｐｌｅ．ｃｏｍ"
    folded = fold(text)
    assert len(folded) == len(text)
    assert folded == "电话:138-0013 13801 WANG@example.com"
