"""What the service faces share: the engine, the language of an answer, a case's files and forms."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Request, current_app, request
from werkzeug.datastructures import FileStorage

from services.engine.cases import Application
from services.engine.said import EngineError, in_language
from webgis.accounts.principal import audit_event
from webgis.errors import Refusal
from webgis.pages.strings import language_of

MAX_FILE_BYTES = 10 * 1024 * 1024
WIB = ZoneInfo("Asia/Jakarta")  # times are stored in UTC and shown in Medan's time


def in_wib(value: datetime | None) -> str:
    """A stored instant as Medan reads it: 07-12-2026 23:05 WIB."""
    return "—" if value is None else value.astimezone(WIB).strftime("%d-%m-%Y %H:%M WIB")


def engine():  # noqa: ANN201
    return current_app.extensions["engine"]


def answer_language(req: Request) -> str:
    """?lang= or the language cookie (the site's switch), else Accept-Language preferring English, else id."""
    chosen = language_of(req)
    if req.args.get("lang") or req.cookies.get("lang"):
        return chosen
    return "en" if req.accept_languages.best_match(["id", "en"]) == "en" else "id"


def localised(refusal: Refusal, lang: str) -> tuple[str, list[str]]:
    """A refusal's description and problems in `lang` (an engine error carries both languages)."""
    if isinstance(refusal.error, EngineError):
        return refusal.error.in_language(lang)
    return refusal.description, [in_language(p, lang) for p in refusal.problems]


def audit_refusal(refusal: Refusal) -> None:
    """A step the engine refused for lack of rights (401/403: not logged in, a role the declaration does not
    name) is audited as access.denied, as deny() does for the web's own refusals."""
    if isinstance(refusal.error, EngineError) and refusal.status in (401, 403):
        audit_event("access.denied", reason=str(refusal.error.args[0]), method=request.method)


def read_files(names: list[str]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for name in names:
        upload: FileStorage | None = request.files.get(name)
        if upload is not None and upload.filename:
            files[name] = upload.read(MAX_FILE_BYTES + 1)
    return files


def application_from_form(field_names: list[str], attachment_names: list[str]) -> Application:
    """The HTML form (multipart) as an Application; the drawn plot comes as GeoJSON text in `geometry`."""
    form = request.form
    geometry: Any = None
    if form.get("geometry"):
        try:
            geometry = json.loads(form["geometry"])
        except ValueError:
            geometry = {"type": "invalid"}
    return Application(fields={n: form[n] for n in field_names if n in form}, geometry=geometry,
                       lon=form.get("lon") or None, lat=form.get("lat") or None, parcel=form.get("parcel") or None,
                       files=read_files(attachment_names), client_key=form.get("client_key") or None)
