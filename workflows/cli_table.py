"""The commands the workflows part adds to ``casegrid`` (the ``casegrid.cli`` entry point loads this table; the
commands themselves, in :mod:`workflows.cli`, load only when one runs)."""
from __future__ import annotations

COMMANDS = {
    "assess": ("workflows.cli:assess",
               "Run an assessment once (weekly dispatch, monthly analysis or quarterly KPIs), print it, store it."),
    "flows": ("workflows.cli:flows", "The scheduled flows: SLA sweep every minute, weekly dispatch, monthly "
              "analysis, quarterly assessment."),
}
