"""The copies of a photo that leave the staff pages: re-encoded from the pixels, so no EXIF
(capture time, GPS, camera serial) and nothing hidden in the original's bytes goes with them."""
from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageOps

#: Longest side of the public copy and of the thumbnail, in pixels.
PUBLIC_SIDE = 1600
THUMB_SIDE = 320


def _encode(img: Image.Image) -> bytes:
    out = io.BytesIO()
    # No exif=, icc_profile= or comment: Pillow writes only the pixels.
    img.save(out, format="JPEG", quality=82)
    return out.getvalue()


def public_copies(path: Path) -> tuple[bytes, bytes]:
    """(public copy, thumbnail) as JPEG, upright (the EXIF orientation applied before it is dropped)."""
    with Image.open(path) as original:
        # A JPEG decodes straight to the smallest 1/2^n scale still at least the public size.
        width, height = original.size
        longest = max(width, height, 1)
        original.draft("RGB", (PUBLIC_SIDE * width // longest, PUBLIC_SIDE * height // longest))
        img = ImageOps.exif_transpose(original)
        if img.mode in ("RGBA", "LA", "P"):
            rgba = img.convert("RGBA")
            img = Image.new("RGB", rgba.size, "white")
            img.paste(rgba, mask=rgba.getchannel("A"))
        else:
            img = img.convert("RGB")
    img.thumbnail((PUBLIC_SIDE, PUBLIC_SIDE))
    thumb = img.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    return _encode(img), _encode(thumb)
