"""One decision per DMN document, the way SpiffWorkflow's DMN parser reads them.

A casegrid DMN document (``bpmn/routing.dmn``) may hold several decisions (``routing`` and ``sla``);
SpiffWorkflow parses only the first decision of a document, so each is handed over in a copy of its own.
"""
from __future__ import annotations

import copy

from lxml import etree


def split_decisions(root: etree._Element) -> dict[str, etree._Element]:
    """One copy of the document per decision, holding only that decision (SpiffWorkflow reads the first)."""
    decisions = [d for d in root if isinstance(d.tag, str) and etree.QName(d).localname == "decision"]
    documents = {}
    for decision in decisions:
        single = copy.deepcopy(root)
        for other in [d for d in single if isinstance(d.tag, str) and etree.QName(d).localname == "decision"
                      and d.get("id") != decision.get("id")]:
            single.remove(other)
        for diagram in single.iterfind("{*}dmnDI"):
            single.remove(diagram)
        documents[decision.get("id") or ""] = single
    return documents
