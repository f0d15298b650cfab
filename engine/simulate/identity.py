"""Seeded case identities, so that the same seed writes the same events and the same hashes.

A case's uuid and tracking code are hashed into its first event, and the engine draws both at
random (``uuid.uuid4`` and ``secrets.choice``) with no hook to inject a source. Like
:mod:`engine.bpmn.determinism` does for SpiffWorkflow, this swaps the module globals the two
``open_case`` operations read, but only for the duration of a simulation run, and puts them back.
(A proper seam would be an id source on the services, next to the clock.)

Cases' data keys (engine/privacy/keys.py) are drawn from the same seeded source during a run: from row
format 3 the chain commits personal values as digests keyed by them (engine/cases/row_digests.py), so a
random key would give the same seed other hashes.
"""
from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import SimpleNamespace
from typing import TypeVar

import engine.cases.intake as intake_module
import engine.cases.operations as case_operations
import engine.mediation.operations as mediation_operations
import engine.privacy.keys as keys_module

T = TypeVar("T")


class _SeededOs:
    """The ``os`` module with ``urandom`` drawn from a seeded source (everything else is the real module's)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def urandom(self, size: int) -> bytes:
        return self._rng.randbytes(size)

    def __getattr__(self, name: str) -> object:
        return getattr(os, name)


@contextmanager
def seeded_identities(seed: int) -> Iterator[None]:
    """Within the block, case uuids and tracking codes come from ``random.Random(seed)``."""
    rng = random.Random(f"identities:{seed}")

    def uuid4() -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    def choice(seq: Sequence[T]) -> T:
        return rng.choice(seq)

    ids = SimpleNamespace(uuid4=uuid4, UUID=uuid.UUID)
    codes = SimpleNamespace(choice=choice)
    saved = (case_operations.uuid, mediation_operations.uuid, intake_module.secrets, keys_module.os)
    case_operations.uuid = mediation_operations.uuid = ids  # type: ignore[assignment]
    intake_module.secrets = codes  # type: ignore[assignment]
    keys_module.os = _SeededOs(random.Random(f"data keys:{seed}"))  # type: ignore[assignment]
    try:
        yield
    finally:
        case_operations.uuid, mediation_operations.uuid, intake_module.secrets, keys_module.os = saved

