"""The commands the web part adds to ``casegrid`` (the ``casegrid.cli`` entry point loads this table; the
commands themselves, in :mod:`web.cli`, load only when one runs)."""
from __future__ import annotations

COMMANDS = {
    "serve": ("web.cli:serve", "Serve the web UI with waitress (for several workers use gunicorn, see the README)."),
    "users": ("web.cli:users", "Manage user accounts."),
}
