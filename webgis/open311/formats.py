"""GeoReport v2 documents as JSON or XML, and errors in the spec's format.

The spec's XML nests lists under a plural element with one singular child per
item (<services><service>, <attributes><attribute>, <values><value>); JSON is
the same structure as arrays. Errors are a list of {code, description} in
both, answered with the HTTP status in `code`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import orjson
from flask import Response

XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
MIMETYPES = {"json": "application/json", "xml": "text/xml"}
# A list under this element holds one child element of the singular name per item.
ITEM_NAMES = {"services": "service", "service_requests": "request", "attributes": "attribute",
              "values": "value", "errors": "error", "endpoints": "endpoint", "formats": "format",
              "history": "event"}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, list):
        child = ITEM_NAMES.get(name, "item")
        for item in value:
            _append(element, child, item)
    else:
        element.text = _text(value)


def to_xml(root: str, document: Any) -> str:
    """`document` (a list of records or one record) as the spec's XML under `root`."""
    element = ET.Element(root)
    if isinstance(document, list):
        child = ITEM_NAMES[root]
        for item in document:
            _append(element, child, item)
    else:
        for key, value in document.items():
            _append(element, key, value)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode")


def respond(fmt: str, root: str, document: Any, status: int = 200) -> Response:
    """A GeoReport document in the requested format (`root` names the XML root element)."""
    if fmt == "xml":
        body: bytes | str = to_xml(root, document)
    else:
        body = orjson.dumps(document)
    return Response(body, status=status, content_type=f"{MIMETYPES[fmt]}; charset=utf-8")


def error_document(status: int, description: str, problems: list[str] | None = None) -> list[dict[str, Any]]:
    """The spec's error list: one entry per problem, each with the HTTP status as its code."""
    descriptions = [description] + [str(p) for p in problems or []]
    return [{"code": status, "description": d} for d in descriptions]


def error_response(fmt: str, status: int, description: str, problems: list[str] | None = None) -> Response:
    return respond(fmt, "errors", error_document(status, description, problems), status)
