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


def _upright_rgb(original: Image.Image) -> Image.Image:
    img = ImageOps.exif_transpose(original)
    if img.mode in ("RGBA", "LA", "P"):
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return img.convert("RGB")


def public_copies(path: Path, pixels: Image.Image | None = None) -> tuple[bytes, bytes]:
    """(public copy, thumbnail) as JPEG, upright (the EXIF orientation applied before it is dropped).

    ``pixels``: the photo already decoded (with its EXIF in ``info``), so it is not decoded a second time; it is
    scaled in place (the caller's copy is used up).
    """
    if pixels is not None:
        if pixels.mode not in ("1", "P"):  # a palette would be scaled by nearest neighbour: flattened first
            pixels.thumbnail((PUBLIC_SIDE, PUBLIC_SIDE))  # scaled first: the rest then works on 2 MP, not 12
        img = _upright_rgb(pixels)
    else:
        with Image.open(path) as original:
            # A JPEG decodes straight to the smallest 1/2^n scale still at least the public size.
            width, height = original.size
            longest = max(width, height, 1)
            original.draft("RGB", (PUBLIC_SIDE * width // longest, PUBLIC_SIDE * height // longest))
            img = _upright_rgb(original)
    img.thumbnail((PUBLIC_SIDE, PUBLIC_SIDE))
    thumb = img.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    return _encode(img), _encode(thumb)
