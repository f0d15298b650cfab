"""The council's counting rules: quorum, the 2/3 rule for major matters, the household threshold."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class CouncilSettings:
    """Configurable fractions; each is inclusive ("三分之二以上" counts exactly 2/3)."""

    #: Members present needed to hold the meeting (会议须有三分之二以上成员出席).
    quorum: Fraction = Fraction(2, 3)
    #: Votes for needed among the members present for a major matter (重大事项需经2/3以上成员同意).
    major: Fraction = Fraction(2, 3)
    #: Households voting yes needed among all households of the affected buildings.
    household_threshold: Fraction = Fraction(2, 3)
    #: How long a household vote stays open.
    household_vote_days: int = 7


DEFAULT = CouncilSettings()


def at_least(part: int, whole: int, num: int, den: int) -> bool:
    """``part / whole >= num / den`` in integers; nothing of nothing is never enough."""
    return whole > 0 and part * den >= whole * num


def quorum_met(present: int, members: int, num: int, den: int) -> bool:
    return at_least(present, members, num, den)


def council_passes(votes_for: int, present: int, major: bool, num: int, den: int) -> bool:
    """Major matters need ``num/den`` of the members present; other matters more than half of them."""
    if major:
        return at_least(votes_for, present, num, den)
    return votes_for * 2 > present


def households_pass(yes: int, eligible: int, num: int, den: int) -> bool:
    """A household vote passes when the yes votes reach the threshold of *all* households (not of votes cast)."""
    return at_least(yes, eligible, num, den)
