"""An application's files: checked by their content, stored under random names, never served raw.

Images go through the photo checks (services/engine/media.py: signature, a full
decode by Pillow, size and pixel limits); a PDF must start with the `%PDF-` signature, end with
`%%EOF` and hold at most MAX_PDF_BYTES. A client's file name and Content-Type are never trusted.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping

from services.engine import media
from services.engine.model import Attachment
from services.engine.said import Said

MAX_PDF_BYTES = 10 * 1024 * 1024


def kind_of(data: bytes) -> str | None:
    """'image' or 'pdf' by the first bytes, else None."""
    if media.sniff(data) is not None:
        return "image"
    if data[:5] == b"%PDF-":
        return "pdf"
    return None


def check_file(declared: Attachment, data: bytes) -> list[Said]:
    """What is wrong with one file for this attachment ([] when nothing)."""
    where = declared.label
    kind = kind_of(data)
    if not data:
        return [Said(f"{where.id}: berkas kosong", f"{where.en}: the file is empty")]
    if kind is None or kind not in declared.kinds:
        wanted = " atau ".join("PDF" if k == "pdf" else "foto JPEG/PNG/WebP" for k in declared.kinds)
        wanted_en = " or ".join("PDF" if k == "pdf" else "a JPEG/PNG/WebP photo" for k in declared.kinds)
        return [Said(f"{where.id}: isi berkas bukan {wanted}", f"{where.en}: the file's content is not {wanted_en}")]
    if kind == "image":
        try:
            media.check_photo(data)
        except media.ServiceError as exc:
            return [Said(f"{where.id}: foto rusak atau terlalu besar ({exc})", f"{where.en}: {exc}")]
        return []
    if len(data) > MAX_PDF_BYTES:
        return [Said(f"{where.id}: PDF lebih dari 10 MB", f"{where.en}: the PDF is larger than 10 MB")]
    if b"%%EOF" not in data[-1024:]:
        return [Said(f"{where.id}: PDF terpotong atau rusak", f"{where.en}: the PDF is truncated or damaged")]
    return []


def check_files(declared: list[Attachment], files: Mapping[str, bytes]) -> list[Said]:
    problems: list[Said] = []
    known = {a.name for a in declared}
    for name in sorted(set(files) - known):
        problems.append(Said(f"lampiran {name!r} tidak dikenal", f"unknown attachment {name!r}"))
    for attachment in declared:
        data = files.get(attachment.name)
        if data is None or data == b"":
            if attachment.required:
                problems.append(Said(f"{attachment.label.id}: wajib dilampirkan", f"{attachment.label.en}: required"))
            continue
        problems += check_file(attachment, data)
    return problems


def store(files: Mapping[str, bytes]) -> dict[str, str]:
    """Write checked files; returns attachment name -> stored name (random, suffix by content)."""
    stored: dict[str, str] = {}
    try:
        for name, data in files.items():
            if not data:
                continue
            if kind_of(data) == "image":
                stored[name] = media.store_photo(data)
            else:
                stored[name] = _store_pdf(data)
    except BaseException:
        remove(stored)
        raise
    return stored


def _store_pdf(data: bytes) -> str:
    directory = media.upload_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o750)
    name = secrets.token_hex(16) + ".pdf"
    fd = os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return name


def remove(stored: Mapping[str, str]) -> None:
    """Undo store() when the case they belong to was not written."""
    for name in stored.values():
        if name.endswith(".pdf"):
            (media.upload_dir() / name).unlink(missing_ok=True)
        else:
            media.remove_photo(name)


def stored_path(name: str) -> tuple[os.PathLike, str]:
    """The file and MIME type of a stored attachment name (only names store() produces)."""
    stem, _, suffix = name.partition(".")
    if suffix == "pdf" and len(stem) == 32 and all(c in "0123456789abcdef" for c in stem):
        return media.upload_dir() / name, "application/pdf"
    return media.photo_path(name)
