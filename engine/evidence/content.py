"""What a received file is, read from its bytes (never its name), and why it is refused when it is not
a photo or a plain PDF.

Accepted photos: JPEG, PNG, WebP and HEIC/HEIF (what iPhones save; decoded by ``pillow-heif``, which wraps
libheif). Refused: anything else (a renamed program is named as one); an image of more
than :data:`MAX_PIXELS` pixels (a decompression bomb: Pillow's warning is made a refusal); a file that
does not end where its format says it ends (a truncated upload, or a polyglot carrying a second file
after the image); an image that starts like a PDF or HTML page; a PDF with scripts, launch actions or
embedded files.
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import pillow_heif
from PIL import Image, ImageFile

from engine.errors import ValidationError

# HEIC/HEIF through Pillow's own open, so the pixel limit below and the truncation rule hold for it as for
# JPEG. Only the primary image is decoded: an embedded thumbnail, depth map or auxiliary image could show
# something else than the photo, and would be more decoder surface for nothing. libheif's own security
# limits stay on (pillow_heif.options.DISABLE_SECURITY_LIMITS is False by default).
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

#: 48 megapixels (the largest phone sensors); Pillow warns above this and errors at twice it.
MAX_PIXELS = 48_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
ImageFile.LOAD_TRUNCATED_IMAGES = False  # the default, stated: a truncated image is an error

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "HEIF": "image/heic"}
PDF = "application/pdf"

#: Programs and archives, by their first bytes: named as such in the refusal.
_PROGRAMS = (b"MZ", b"\x7fELF", b"#!", b"PK\x03\x04", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe",
             b"\xce\xfa\xed\xfe", b"dex\n", b"Rar!", b"7z\xbc\xaf")
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_HEAD_MARKUP = re.compile(rb"%PDF-|<(?:html|script|svg|\?php)", re.IGNORECASE)
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA)\b")

#: The field the refusals are reported under.
FIELD = "file"


class FileRefused(ValidationError):
    """The file is not accepted as evidence; nothing was stored."""

    def __init__(self, message: str) -> None:
        super().__init__("文件未被接收", {FIELD: message})
        self.reason = message


@dataclass(frozen=True)
class Content:
    media_type: str
    width: int | None = None
    height: int | None = None
    captured_at: str | None = None
    gps_lat: str | None = None
    gps_lon: str | None = None
    #: The full-size pixels, kept where the check decoded them anyway (HEIC, PNG, WebP) so that the public
    #: copies are made from them instead of a second full decode; None for a JPEG, which the check reads at 1/8.
    pixels: Image.Image | None = field(default=None, compare=False, repr=False)

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")


def read_content(path: Path) -> Content:
    """What the file at ``path`` is; :class:`FileRefused` with the reason when it is not accepted."""
    with path.open("rb") as f:
        head = f.read(1024)
    if not head:
        raise FileRefused("文件是空的")
    if head.startswith(_PROGRAMS):
        raise FileRefused("这是程序或压缩包，不是照片或 PDF 文件，不能上传")
    if head.startswith(b"%PDF-"):
        return _pdf(path)
    return _image(path, head)


def _pdf(path: Path) -> Content:
    data = path.read_bytes()
    if b"%%EOF" not in data[-1024:]:
        raise FileRefused("PDF 文件不完整（上传中断或文件已损坏），请重新上传")
    if _PDF_ACTIVE.search(data):
        raise FileRefused("PDF 含有脚本、自动操作或嵌入文件，不能作为证据上传；请打印为普通 PDF 或拍照上传")
    return Content(PDF)


def _image(path: Path, head: bytes) -> Content:
    if _HEAD_MARKUP.search(head):
        raise FileRefused("文件同时含有网页或 PDF 内容，不是单纯的照片，不能上传")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                kind = img.format
                if kind not in IMAGE_TYPES:
                    raise FileRefused("只能上传 JPEG、PNG、WebP、HEIC 照片或 PDF 文件")
                width, height = img.size
                if kind == "JPEG":
                    # Every block of the stream is still decoded (a truncated file fails), at 1/8 scale:
                    # the full 12 MP inverse DCT was most of an upload's time.
                    img.draft(img.mode, (max(1, width // 8), max(1, height // 8)))
                img.load()  # decodes the whole stream: a truncated file fails here
                exif = img.getexif()
                pixels = None if kind == "JPEG" else img.copy()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise FileRefused(f"图片像素过多（超过 {MAX_PIXELS // 10_000} 万像素），不能上传") from None
    except FileRefused:
        raise
    except (OSError, SyntaxError, ValueError, EOFError):
        # Pillow's UnidentifiedImageError is an OSError; "image file is truncated" too.
        raise FileRefused("文件不是完整的照片（可能上传中断、已损坏或并非图片），请重新上传") from None
    _check_ends(path, kind)
    lat, lon = _gps(exif)
    if pixels is not None:
        pixels.info["exif"] = exif.tobytes()  # the orientation the copies apply before they drop the rest
    return Content(IMAGE_TYPES[kind], width, height, _captured_at(exif), lat, lon, pixels)


def _check_ends(path: Path, kind: str) -> None:
    """The file ends where its format ends: nothing hidden after the image, nothing cut off."""
    size = path.stat().st_size
    with path.open("rb") as f:
        f.seek(max(0, size - 64))
        tail = f.read()
        f.seek(0)
        riff = f.read(8)
    if kind == "JPEG":
        ok = tail.rstrip(b"\x00").endswith(b"\xff\xd9")  # some cameras pad after the end marker
    elif kind == "PNG":
        ok = tail.endswith(_PNG_END)
    elif kind == "HEIF":
        ok = _boxes_fill(path, size)
    else:  # WebP: the RIFF header states the file's length
        ok = int.from_bytes(riff[4:8], "little") + 8 == size
    if not ok:
        raise FileRefused("照片结尾处有多余或缺失的数据（可能夹带了其他文件，或上传不完整），不能上传")


def _boxes_fill(path: Path, size: int) -> bool:
    """An ISO media file (HEIC) is a run of top-level boxes, each stating its length: they end at the file's end."""
    at = 0
    with path.open("rb") as f:
        while at < size:
            f.seek(at)
            head = f.read(16)
            if len(head) < 8:
                return False
            length = int.from_bytes(head[:4], "big")
            if length == 1:  # a 64-bit length follows the type
                if len(head) < 16:
                    return False
                length = int.from_bytes(head[8:16], "big")
            elif length == 0:  # "to the end of the file": only the last box may say so
                return True
            if length < 8:
                return False
            at += length
    return at == size


def _captured_at(exif: Image.Exif) -> str | None:
    text = exif.get_ifd(0x8769).get(0x9003) or exif.get(0x0132)  # DateTimeOriginal, else DateTime
    match = re.fullmatch(r"(\d{4}):(\d\d):(\d\d) (\d\d):(\d\d):(\d\d)", str(text or "").strip().strip("\x00"))
    return "{}-{}-{}T{}:{}:{}".format(*match.groups()) if match else None


def _degrees(value: Any, ref: Any) -> str | None:
    try:
        d, m, s = (Fraction(float(x)).limit_denominator(10**6) for x in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    degrees = float(d + m / 60 + s / 3600)
    if str(ref).strip("\x00").upper() in ("S", "W"):
        degrees = -degrees
    return f"{degrees:.6f}"


def _gps(exif: Image.Exif) -> tuple[str | None, str | None]:
    gps = exif.get_ifd(0x8825)
    if 2 not in gps or 4 not in gps:
        return None, None
    lat, lon = _degrees(gps[2], gps.get(1)), _degrees(gps[4], gps.get(3))
    return (lat, lon) if lat is not None and lon is not None else (None, None)
