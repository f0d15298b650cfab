"""Domain errors: what a caller (web, CLI, flow) can show a person.

Every error carries a stable ``code`` so an interface can translate it, and a
default message in Chinese, the product's first language.
"""
from __future__ import annotations

from collections.abc import Mapping


class CasegridError(Exception):
    """Base of every error the engine raises on purpose."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(CasegridError):
    """The case, work item or process version does not exist (HTTP 404)."""

    code = "not_found"


class PermissionDenied(CasegridError):
    """The actor may not do this to this object (HTTP 403)."""

    code = "forbidden"


class ValidationError(CasegridError):
    """Input was refused; ``field_errors`` names each bad field (HTTP 400).

    Nothing was written when this is raised.
    """

    code = "invalid"

    def __init__(self, message: str, field_errors: Mapping[str, str] | None = None) -> None:
        self.field_errors: dict[str, str] = dict(field_errors or {})
        detail = "; ".join(f"{k}: {v}" for k, v in self.field_errors.items())
        super().__init__(f"{message}（{detail}）" if detail else message)


class ConflictError(CasegridError):
    """Someone else changed the case first, e.g. completed the same task (HTTP 409)."""

    code = "conflict"


class BusyError(ConflictError):
    """The case was busy (a lock wait ran out, a deadlock): nothing was done and nothing changed; try again."""


class StorageUnavailable(CasegridError):
    """The database cannot store anything now (read-only, disk full, I/O error): nothing was written;
    the same request will work once an operator has fixed the storage (HTTP 503)."""

    code = "storage_unavailable"


class CaseStepError(CasegridError):
    """The process itself failed (a condition or script raised); the case did not move.

    ``element`` is the BPMN id of the element that failed, when the engine knows it.
    """

    code = "step_failed"

    def __init__(self, message: str, element: str | None = None) -> None:
        super().__init__(message)
        self.element = element


class SpecError(CasegridError):
    """A process diagram is not publishable; ``problems`` name the elements."""

    code = "invalid_spec"

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = list(problems or [])
        super().__init__(message if not self.problems else f"{message}: " + "; ".join(self.problems))
