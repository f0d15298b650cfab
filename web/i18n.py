"""Chinese first: messages are written in Chinese; ``translations/en`` catalogues render the UI in English.

Each blueprint keeps its own catalogue (``web/<blueprint>/translations/en/LC_MESSAGES/messages.po``;
the shared templates use ``web/translations``); Flask-Babel merges them. They are
compiled to ``.mo`` when the app starts, into the instance folder since an
installed package may be read-only, so a plain ``pip install`` needs no build step.
"""
from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, request, session

WEB = Path(__file__).resolve().parent


def catalogue_roots() -> list[Path]:
    """Every ``translations`` folder under ``web/``."""
    return sorted({po.parents[2] for po in WEB.glob("**/translations/*/LC_MESSAGES/*.po")})


def compile_catalogues(target: Path) -> list[Path]:
    """Compile each ``.po`` newer than its ``.mo`` below ``target``; return the compiled roots."""
    roots = []
    for source in catalogue_roots():
        compiled = target / source.relative_to(WEB)
        for po in source.glob("*/LC_MESSAGES/*.po"):
            mo = compiled / po.relative_to(source).with_suffix(".mo")
            if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
                continue
            mo.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as src:
                catalog = read_po(src)
            with mo.open("wb") as out:
                write_mo(out, catalog)
        roots.append(compiled)
    return roots


def select_locale() -> str:
    """The language the user chose (kept in the session), else the browser's, else Chinese."""
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(list(languages), default="zh_CN") or "zh_CN"


def init_app(app: Flask) -> str:
    """Compile the catalogues; the value is Flask-Babel's ``default_translation_directories``."""
    return ";".join(str(p) for p in compile_catalogues(Path(app.config["INSTANCE"]) / "translations"))
