"""Seeded case identities, so that the same seed writes the same events and the same hashes.

A case's uuid and tracking code are hashed into its first event, and the engine draws both at
random (``uuid.uuid4`` and ``secrets.choice``) with no hook to inject a source. Like
:mod:`engine.bpmn.determinism` does for SpiffWorkflow, this swaps the module globals the two
``open_case`` operations read, but only for the duration of a simulation run, and puts them back.
(A proper seam would be an id source on the services, next to the clock.)
"""
from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import SimpleNamespace
from typing import TypeVar

import engine.cases.intake as intake_module
import engine.cases.operations as case_operations
import engine.mediation.operations as mediation_operations

T = TypeVar("T")


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
    saved = (case_operations.uuid, mediation_operations.uuid, intake_module.secrets)
    case_operations.uuid = mediation_operations.uuid = ids  # type: ignore[assignment]
    intake_module.secrets = codes  # type: ignore[assignment]
    try:
        yield
    finally:
        case_operations.uuid, mediation_operations.uuid, intake_module.secrets = saved

