"""What a routing table may name, read from the organisation the admin keeps (departments, categories, grids)."""
from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy.orm import Session

from engine.people.directory import organisation
from engine.routing.validation import RoutingVocabulary


def vocabulary_from(session: Session, sla_classes: Collection[str],
                    domains: Mapping[str, Collection[str]] | None = None) -> RoutingVocabulary:
    """Departments and categories with their active flags; ``community`` and ``grid`` columns range over the grids.

    ``domains`` adds (or overrides) the values of other input columns, e.g. ``{"priority": (...)}``.
    """
    org = organisation(session)
    known: dict[str, Collection[str]] = {
        "community": tuple(dict.fromkeys(g.community for g in org.grids)),
        "grid": tuple(g.code for g in org.grids),
    }
    known.update(domains or {})
    return RoutingVocabulary(
        departments={d.code: d.active for d in org.departments},
        categories={c.name: c.active for c in org.categories},
        sla_classes=frozenset(sla_classes),
        domains=known,
    )
