"""GeoReport's two formats: the same rows as JSON or as XML (built with ElementTree, which escapes text).

Values are strings, numbers, booleans, None, lists of dicts (nested elements
named by ``item_names``) or lists of strings — the shapes GeoReport v2 and its
service discovery use. The content types and the XML declaration are the ones
the spec's "Internationalization and Encoding" and "Format Support" sections
name: ``text/xml; charset=utf-8`` with ``<?xml version="1.0" encoding="UTF-8"?>``,
and ``application/json; charset=utf-8``.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Response

FORMATS = ("json", "xml")
XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

#: Characters XML 1.0 cannot carry at all, even escaped (ElementTree would write them and break the document).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(parent: ET.Element, row: Mapping[str, Any], item_names: Mapping[str, str]) -> None:
    for key, value in row.items():
        child = ET.SubElement(parent, key)
        if isinstance(value, list):
            for entry in value:
                if isinstance(entry, Mapping):
                    _fill(ET.SubElement(child, item_names[key]), entry, item_names)
                else:
                    ET.SubElement(child, item_names[key]).text = _text(entry)
        elif value is not None:
            child.text = _text(value)


def _document(element: ET.Element) -> bytes:
    return (XML_DECLARATION + ET.tostring(element, encoding="unicode")).encode("utf-8")


def xml_document(root: str, item: str, rows: Sequence[Mapping[str, Any]],
                 item_names: Mapping[str, str] | None = None) -> bytes:
    element = ET.Element(root)
    for row in rows:
        _fill(ET.SubElement(element, item), row, item_names or {})
    return _document(element)


def respond(fmt: str, root: str, item: str, rows: Sequence[Mapping[str, Any]] | Mapping[str, Any], status: int = 200,
            item_names: Mapping[str, str] | None = None) -> tuple[Response, int]:
    """``rows`` (a list, or one object for a service definition) as JSON, or as XML under ``<root>``."""
    if fmt == "json":
        body = json.dumps(rows, ensure_ascii=False).encode("utf-8")
        return Response(body, status=status, content_type=JSON_TYPE), status
    if isinstance(rows, Mapping):  # one object: its fields go straight under the root element
        element = ET.Element(root)
        _fill(element, rows, item_names or {})
        body = _document(element)
    else:
        body = xml_document(root, item, rows, item_names)
    return Response(body, status=status, content_type=XML_TYPE), status


def errors(fmt: str, status: int, descriptions: Sequence[str]) -> tuple[Response, int]:
    """GeoReport's error list: ``[{"code": 400, "description": …}]`` / ``<errors><error>…``."""
    return respond(fmt, "errors", "error", [{"code": status, "description": d} for d in descriptions], status)
