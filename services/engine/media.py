"""Photos (a complaint's, a field visit's, an image attachment): checked by content, stored outside the web root under a random name.

A client's file name and Content-Type are never trusted: the first bytes must
be a JPEG, PNG or WebP signature and Pillow must verify the whole file as that
format. The stored name is random (never derived from input), so it cannot
traverse directories or collide, and nothing under .var/uploads is served
except through the views that check who is asking: the photo as sent to the
agency's staff, and a web copy (web_copy: resized, upright, no metadata) to
whoever may see the report (services/complaints/photos.py).
"""

from __future__ import annotations

import io
import os
import secrets
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from config.settings import PROJECT_ROOT
from services.errors import ServiceError

MAX_PHOTO_BYTES = 5 * 1024 * 1024
UPLOAD_DIR = PROJECT_ROOT / ".var" / "uploads"
# Pillow format name -> (file suffix, MIME type), for the three accepted formats.
FORMATS = {"JPEG": (".jpg", "image/jpeg"), "PNG": (".png", "image/png"), "WEBP": (".webp", "image/webp")}
# Decompression bombs: a 5 MB file may claim 100,000 x 100,000 pixels; refuse beyond ~50 MP.
MAX_PIXELS = 50_000_000
# The web copy: enough for a phone screen and a desktop page, a fraction of a camera's 12 MP.
WEB_MAX_SIDE = 1280
WEB_QUALITY = 82
WEB_SUFFIX = "-web.jpg"


class BadPhoto(ServiceError):
    status = 400


class PhotoTooLarge(ServiceError):
    status = 413


def sniff(data: bytes) -> str | None:
    """The format named by the file's signature, or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def check_photo(data: bytes) -> str:
    """The photo's format (JPEG/PNG/WEBP) when it is one, else BadPhoto / PhotoTooLarge."""
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoTooLarge(f"media: the photo is {len(data) / 1048576:.1f} MB; at most 5 MB is accepted")
    if not data:
        raise BadPhoto("media: the photo is empty")
    signature = sniff(data)
    if signature is None:
        raise BadPhoto("media: not a JPEG, PNG or WebP image")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != signature:
                raise BadPhoto(f"media: the file says {signature} but decodes as {image.format}")
            if image.width * image.height > MAX_PIXELS:
                raise BadPhoto("media: the image has too many pixels")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise BadPhoto(f"media: the {signature} image is damaged ({type(exc).__name__})") from None
    return signature


def store_photo(data: bytes, directory: Path | None = None) -> str:
    """Check and write a photo; returns its stored name (random, with the format's suffix)."""
    fmt = check_photo(data)
    directory = directory or upload_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o750)
    name = secrets.token_hex(16) + FORMATS[fmt][0]
    # O_EXCL: never overwrite, even on the astronomically unlikely name clash.
    fd = os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return name


def upload_dir() -> Path:
    """Where photos go; WEBGIS_UPLOAD_DIR overrides it (tests, deployments with a separate volume)."""
    return Path(os.environ.get("WEBGIS_UPLOAD_DIR") or UPLOAD_DIR)


def photo_path(name: str, directory: Path | None = None) -> tuple[Path, str]:
    """The file and MIME type of a stored photo name (only names store_photo can produce)."""
    stem, _, suffix = name.partition(".")
    mime = {s: m for s, m in FORMATS.values()}.get("." + suffix)
    if len(stem) != 32 or not all(c in "0123456789abcdef" for c in stem) or mime is None:
        raise ServiceError("not a stored photo name")
    return (directory or upload_dir()) / name, mime


def remove_photo(name: str | None, directory: Path | None = None) -> None:
    """Undo store_photo when the report it belonged to was not stored."""
    if name:
        path, _ = photo_path(name, directory)
        path.unlink(missing_ok=True)
        path.with_name(path.stem + WEB_SUFFIX).unlink(missing_ok=True)


def web_copy(name: str, directory: Path | None = None) -> Path:
    """The stored photo as the public may see it, made once and kept beside it: turned
    upright by its EXIF orientation, at most WEB_MAX_SIDE px a side, as JPEG, and with
    no metadata at all. The pixels are copied into a new image, so nothing of the
    original's EXIF (GPS position, time, camera serial), XMP, ICC or comments can
    travel with it, whatever Pillow's savers would carry over."""
    source, _ = photo_path(name, directory)
    target = source.with_name(source.stem + WEB_SUFFIX)
    if target.exists():
        return target
    with Image.open(source) as image:
        # A JPEG decodes straight at 1/2, 1/4 or 1/8 scale when that still covers the copy (DCT scaling).
        image.draft("RGB", (WEB_MAX_SIDE, WEB_MAX_SIDE))
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail((WEB_MAX_SIDE, WEB_MAX_SIDE), Image.Resampling.LANCZOS)
        rgba = upright.convert("RGBA")
    pixels = Image.new("RGB", rgba.size, (255, 255, 255))
    pixels.paste(rgba, mask=rgba.getchannel("A"))  # transparency onto white, as a page shows it
    clean = Image.frombytes("RGB", pixels.size, pixels.tobytes())
    # Written under a temporary name and renamed: two requests at once never serve half a file.
    partial = target.with_name(f"{target.name}.{secrets.token_hex(4)}.part")
    clean.save(partial, format="JPEG", quality=WEB_QUALITY, optimize=True)
    os.replace(partial, target)
    return target
