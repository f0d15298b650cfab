"""Server-side PDF of the printed documents (the mediation agreement, the quarterly report, a case's audit summary).

The PDF is made from the same HTML the print page shows — its wording, translations and masking — so a
document reads the same on paper from the browser and from this download. The page's printable part (what
is not ``.no-print``) is laid out with reportlab: headings, paragraphs, lists, definition lists and tables.
Chinese is set in a TrueType CJK font embedded in the PDF (only the glyphs used), so the paper reads the same
on any reader, archive or printer: ``CASEGRID_PDF_FONT`` names its file (``path`` or ``path#index`` in a
collection), else the first installed of :data:`FONT_CANDIDATES` (Debian: ``apt install fonts-wqy-microhei``).
Without one, reportlab's CID font STSong-Light is used and the reader supplies the glyphs (logged once).
"""
from __future__ import annotations

import logging
import os
import re
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from flask import Response
from lxml import html
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

log = logging.getLogger("casegrid.pdf")

FONT_ENV = "CASEGRID_PDF_FONT"
#: TrueType-outline CJK fonts as Linux distributions install them (reportlab embeds TrueType, not CFF outlines).
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
#: The fallback: a font every PDF reader knows by name, whose glyphs the reader supplies.
CID_FONT = "STSong-Light"
EMBEDDED_FONT = "casegrid-cjk"


def _registered(spec: str) -> bool:
    path, _, index = spec.partition("#")
    if not Path(path).is_file():
        return False
    try:
        pdfmetrics.registerFont(TTFont(EMBEDDED_FONT, path, subfontIndex=int(index or 0)))
    except (TTFError, ValueError, OSError) as error:
        log.warning("PDF font %s cannot be embedded: %s", spec, error)
        return False
    return True


@cache
def pdf_font() -> str:
    """The name of the font the PDFs are set in: the embedded CJK font, or the CID fallback."""
    configured = os.environ.get(FONT_ENV)
    for spec in ([configured] if configured else []) + list(FONT_CANDIDATES):
        if _registered(spec):
            return EMBEDDED_FONT
    log.warning("no CJK TrueType font found (set %s or install fonts-wqy-microhei): PDFs use %s, which the "
                "reader supplies", FONT_ENV, CID_FONT)
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    return CID_FONT


@cache
def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("casegrid-body", fontName=pdf_font(), fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "h1": ParagraphStyle("casegrid-h1", parent=base, fontSize=18, leading=26, alignment=TA_CENTER,
                             spaceAfter=6),
        "h2": ParagraphStyle("casegrid-h2", parent=base, fontSize=13, leading=20, spaceBefore=8, spaceAfter=4),
        "h3": ParagraphStyle("casegrid-h3", parent=base, fontSize=11.5, leading=18, spaceBefore=6, spaceAfter=2),
        "p": ParagraphStyle("casegrid-p", parent=base, spaceAfter=4),
        "li": ParagraphStyle("casegrid-li", parent=base, leftIndent=10, bulletIndent=0, spaceAfter=2),
        "cell": ParagraphStyle("casegrid-cell", parent=base, fontSize=8.5, leading=12),
    }
_BLOCKS = {"h1", "h2", "h3", "h4", "p", "ul", "ol", "dl", "table", "section", "header", "div", "article"}


def _text(element: Any) -> str:
    """The element's words, whitespace folded, escaped for reportlab's paragraph markup."""
    words = re.sub(r"\s+", " ", element.text_content()).strip()
    return words.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _paragraph(element: Any, style: str) -> list[Flowable]:
    words = _text(element)
    return [Paragraph(words, _styles()[style])] if words else []


def _table(element: Any, width: float) -> list[Flowable]:
    rows = [[Paragraph(_text(cell), _styles()["cell"]) for cell in row.xpath("./th|./td")]
            for row in element.xpath(".//tr")]
    rows = [row for row in rows if row]
    if not rows:
        return []
    columns = max(len(row) for row in rows)
    rows = [row + [Paragraph("", _styles()["cell"])] * (columns - len(row)) for row in rows]
    table = Table(rows, colWidths=[width / columns] * columns, repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [table, Spacer(1, 4 * mm)]


def _flowables(element: Any, width: float) -> list[Flowable]:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in ("h1", "h2", "h3"):
        return _paragraph(element, tag)
    if tag == "h4":
        return _paragraph(element, "h3")
    if tag == "p":
        return _paragraph(element, "p")
    if tag in ("ul", "ol"):
        return [Paragraph(_text(li), _styles()["li"], bulletText="•") for li in element.xpath("./li") if _text(li)]
    if tag == "dl":
        pairs = zip(element.xpath("./dt|./div/dt"), element.xpath("./dd|./div/dd"))
        return [Paragraph(f"{_text(dt)}：{_text(dd)}", _styles()["p"]) for dt, dd in pairs]
    if tag == "table":
        return _table(element, width)
    if any(isinstance(child.tag, str) and child.tag in _BLOCKS for child in element):
        found: list[Flowable] = []
        for child in element:
            found += _flowables(child, width)
        return found
    return _paragraph(element, "p") if tag in ("div", "span", "section", "header", "article") else []


class _Watermark:
    """A large grey word across every page (草稿, 未生效): a copy that is not in force cannot pass for one."""

    def __init__(self, word: str | None, title: str) -> None:
        self.word, self.title = word, title

    def __call__(self, canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setTitle(self.title)
        if self.word:
            width, height = doc.pagesize
            canvas.setFont(pdf_font(), 96)
            canvas.setFillColor(colors.Color(0.8, 0.1, 0.1, alpha=0.18))
            canvas.translate(width / 2, height / 2)
            canvas.rotate(30)
            canvas.drawCentredString(0, 0, self.word)
        canvas.restoreState()
        canvas.saveState()
        canvas.setFont(pdf_font(), 8)
        canvas.drawRightString(doc.pagesize[0] - 15 * mm, 10 * mm, str(canvas.getPageNumber()))
        canvas.restoreState()


def document_pdf(page_html: str, *, title: str, root: str, watermark: str | None = None,
                 wide: bool = False) -> bytes:
    """The printable part of ``page_html`` (the element matched by the XPath ``root``, without its
    ``.no-print`` parts) as a PDF; ``watermark`` is written across each page; ``wide``: A4 landscape."""
    tree = html.document_fromstring(page_html)
    for dropped in tree.xpath("//script|//style|//*[contains(concat(' ', @class, ' '), ' no-print ')]"
                              "|//*[contains(concat(' ', @class, ' '), ' watermark ')]"):
        dropped.drop_tree()
    found = tree.xpath(root)
    pagesize = landscape(A4) if wide else A4
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=pagesize, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=16 * mm, bottomMargin=16 * mm, title=title)
    story: list[Flowable] = []
    for element in found:
        story += _flowables(element, doc.width)
    mark = _Watermark(watermark, title)
    doc.build(story or [Paragraph(title, _styles()["h1"])], onFirstPage=mark, onLaterPages=mark)
    return buffer.getvalue()


def pdf_response(data: bytes, filename: str) -> Response:
    """A PDF download; never kept by a shared cache (documents carry personal data)."""
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
