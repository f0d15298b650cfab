"""The council's counting rules: quorum, the 2/3 rule for major matters, the household threshold."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

#: Whom the major-matter fraction counts: every member on the meeting's roster (「2/3以上成员同意」), or only
#: the members present. Each meeting keeps the one it was scheduled under.
MEMBERS = "members"
PRESENT = "present"
MAJOR_BASES = {MEMBERS: "全体成员", PRESENT: "出席成员"}


@dataclass(frozen=True)
class CouncilSettings:
    """Configurable fractions; each is inclusive ("三分之二以上" counts exactly 2/3)."""

    #: Members present needed to hold the meeting (会议须有三分之二以上成员出席).
    quorum: Fraction = Fraction(2, 3)
    #: Votes for needed for a major matter (重大事项需经2/3以上成员同意) …
    major: Fraction = Fraction(2, 3)
    #: … counted among all members (:data:`MEMBERS`) or among the members present (:data:`PRESENT`).
    major_base: str = MEMBERS
    #: The household threshold a vote gets unless the council chooses another at the sitting.
    household_threshold: Fraction = Fraction(2, 3)
    #: The thresholds the council may choose from (3/4 is common for lift installation, 加装电梯).
    household_thresholds: tuple[Fraction, ...] = (Fraction(2, 3), Fraction(3, 4))
    #: How long a household vote stays open.
    household_vote_days: int = 7

    def __post_init__(self) -> None:
        if self.major_base not in MAJOR_BASES:
            raise ValueError(f"major_base must be one of {sorted(MAJOR_BASES)}, not {self.major_base!r}")
        if self.household_threshold not in self.household_thresholds:
            raise ValueError("the default household threshold must be one of the thresholds offered")


DEFAULT = CouncilSettings()


def fraction_label(num: int, den: int) -> str:
    """``2/3`` as people write it on a ballot: 三分之二."""
    digits = "零一二三四五六七八九十"
    if 0 < num <= 10 and 0 < den <= 10:
        return f"{digits[den]}分之{digits[num]}"
    return f"{num}/{den}"


def parse_threshold(text: str | None, settings: CouncilSettings = DEFAULT) -> Fraction | None:
    """A threshold the council may choose, written ``3/4``; ``None`` if it is not one of the offered ones."""
    try:
        value = Fraction(str(text or "").strip())
    except (ValueError, ZeroDivisionError):
        return None
    return value if value in settings.household_thresholds else None


def at_least(part: int, whole: int, num: int, den: int) -> bool:
    """``part / whole >= num / den`` in integers; nothing of nothing is never enough."""
    return whole > 0 and part * den >= whole * num


def votes_needed(whole: int, num: int, den: int) -> int:
    """The fewest votes of ``whole`` that reach ``num/den``."""
    return -(-whole * num // den)


def quorum_met(present: int, members: int, num: int, den: int) -> bool:
    return at_least(present, members, num, den)


def major_vote_base(members: int, present: int, base: str) -> int:
    """How many the major-matter fraction is taken of."""
    return members if base == MEMBERS else present


def council_passes(votes_for: int, present: int, major: bool, num: int, den: int, *, base: int | None = None) -> bool:
    """Major matters need ``num/den`` of ``base`` (all members, or those present when ``base`` is None);
    other matters more than half of the members present."""
    if major:
        return at_least(votes_for, present if base is None else base, num, den)
    return votes_for * 2 > present


def households_pass(yes: int, eligible: int, num: int, den: int) -> bool:
    """A household vote passes when the yes votes reach the threshold of *all* households (not of votes cast)."""
    return at_least(yes, eligible, num, den)
