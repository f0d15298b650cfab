"""A diagram's text, whatever encoding its file was saved in: what is validated is what is published.

Validation used to read a file's bytes (lxml honours a UTF-16 byte-order mark or a GBK declaration)
while publishing read the file as UTF-8 text, so a UTF-16 diagram passed the check and then failed
to publish with a ``UnicodeDecodeError``. Every path now goes through :func:`diagram_text`: bytes are
decoded by their byte-order mark or XML declaration (UTF-8 when they say nothing), and the declaration
of the resulting text says UTF-8, the encoding the text is stored and parsed in.
"""
from __future__ import annotations

import codecs
import re

from engine.errors import SpecError

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")
_DECLARATION_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*)(["'])[A-Za-z0-9._\-]+\2""")


def _encoding_of(data: bytes) -> tuple[str, int]:
    """The encoding of ``data`` and the length of its byte-order mark."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, len(bom)
    if data.startswith(b"<\x00?\x00"):  # UTF-16 without a mark, as some editors write it
        return "utf-16-le", 0
    if data.startswith(b"\x00<\x00?"):
        return "utf-16-be", 0
    declared = _DECLARED.match(data[:200])
    return (declared.group(1).decode("ascii") if declared else "utf-8"), 0


def diagram_text(data: bytes | str) -> str:
    """``data`` as text whose XML declaration (if any) says UTF-8; :class:`SpecError` if it cannot be read."""
    if isinstance(data, bytes):
        encoding, skip = _encoding_of(data)
        try:
            data = data[skip:].decode(encoding)
        except LookupError:
            raise SpecError(f"不支持的字符编码 {encoding}（请另存为 UTF-8）") from None
        except UnicodeDecodeError as exc:
            raise SpecError(f"文件不是有效的 {encoding} 文本（第 {exc.start} 字节附近），请另存为 UTF-8") from None
    return _DECLARATION_ENCODING.sub(r"\1\2UTF-8\2", data.lstrip("\ufeff"), count=1)
