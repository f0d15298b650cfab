"""The household register (住户登记) household votes are drawn from."""
from __future__ import annotations

import pytest

from engine.council.service import CouncilService
from engine.errors import PermissionDenied, ValidationError
from engine.people.actor import Actor

GRID_WORKER = Actor(username="wangge", role="grid_worker", grid_code="XF-01")
OTHER_GRID_WORKER = Actor(username="wangge2", role="grid_worker", grid_code="HP-01")
COUNCIL = Actor(username="yishi", role="council")


@pytest.fixture
def council(service, clock) -> CouncilService:
    return CouncilService(service.db, clock, service.hooks)


def test_a_grid_worker_registers_households_of_their_grid_one_per_line(council) -> None:
    added = council.register_households("XF-01", "3号楼,101,张建国\n3号楼，102，李秀英\n\n5号楼\t201\t王强", GRID_WORKER)
    assert added == 3
    page = council.household_register(GRID_WORKER)
    assert [(b.building, b.households) for b in page.buildings] == [("3号楼", 2), ("5号楼", 1)]
    assert {b.community for b in page.buildings} == {"幸福里社区"}


def test_a_malformed_line_is_named_and_nothing_is_registered(council) -> None:
    with pytest.raises(ValidationError) as refused:
        council.register_households("XF-01", "3号楼,101,张建国\n3号楼 102 李秀英", GRID_WORKER)
    assert "第 2 行" in refused.value.field_errors["households"]
    assert council.household_register(GRID_WORKER).buildings == []


def test_a_household_registered_twice_is_refused_naming_the_line(council) -> None:
    council.register_households("XF-01", "3号楼,101,张建国", GRID_WORKER)
    with pytest.raises(ValidationError) as refused:
        council.register_households("XF-01", "3号楼,102,李秀英\n3号楼,101,张建国", GRID_WORKER)
    assert "第 2 行：3号楼 101 已登记" in refused.value.field_errors["households"]
    assert council.household_register(GRID_WORKER).buildings[0].households == 1


def test_the_same_room_twice_in_one_list_is_refused(council) -> None:
    with pytest.raises(ValidationError) as refused:
        council.register_households("XF-01", "3号楼,101,张建国\n3号楼,101,张建国", GRID_WORKER)
    assert "第 2 行与第 1 行是同一户" in refused.value.field_errors["households"]


def test_a_grid_worker_cannot_register_for_another_grid(council) -> None:
    with pytest.raises(PermissionDenied):
        council.register_households("XF-01", "3号楼,101,张建国", OTHER_GRID_WORKER)


def test_the_council_registers_for_any_grid(council) -> None:
    assert council.register_households("HP-01", "1号楼,101,陈明", COUNCIL) == 1
    assert len(council.household_register(COUNCIL).grids) > 1


def test_other_roles_may_not_register(council) -> None:
    with pytest.raises(PermissionDenied):
        council.household_register(Actor(username="bumen", role="department", department_code="zhujian"))
