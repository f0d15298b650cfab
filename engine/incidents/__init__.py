"""Incidents (as in Camunda): a case whose automatic step failed is flagged, backed off and retryable,
and never holds up the sweep for the other cases."""
from __future__ import annotations

from engine.incidents.models import Incident as Incident
from engine.incidents.queries import IncidentView as IncidentView
from engine.incidents.service import IncidentService as IncidentService
from engine.incidents.service import RetryOutcome as RetryOutcome
