"""The catalogue as readers search it: by title, author or subject, typo tolerant (trigram word
similarity over one key of the three, like the map's search in layers/search.py), and one title
with its copies per branch. The public sees titles and counts of copies, never who holds them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from layers.search import WORD_SIMILARITY_THRESHOLD, SearchTextError, clean_search_text
from services.errors import NotFound, ServiceError
from services.library import queries

MAX_RESULTS = 50
DEFAULT_RESULTS = 20


def subjects(engine: Engine) -> dict[str, int]:
    """Each subject and how many titles it has, by name."""
    with engine.connect() as conn:
        return dict(conn.execute(queries.subjects()).all())


def search(engine: Engine, text: str | None, *, subject: str | None = None,
           limit: int = DEFAULT_RESULTS) -> list[dict[str, Any]]:
    """Titles matching `text` (best first) in `subject` when given; with no text, the subject's titles
    by name. ServiceError (400) for text that cannot be searched or a subject that does not exist."""
    limit = max(1, min(limit, MAX_RESULTS))
    if subject and subject not in subjects(engine):
        raise ServiceError(f"subjek {subject[:40]!r} tidak ada di katalog")
    if not (text or "").strip():
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(queries.titles_by_subject(subject, limit)).mappings()]
    try:
        value = clean_search_text(text)
    except SearchTextError:
        raise ServiceError("q: ketik 2 sampai 100 huruf judul, pengarang atau subjek") from None
    with engine.begin() as conn:
        # is_local: the threshold lasts for this transaction only (the pooled connection keeps pg_trgm's default).
        conn.execute(select(func.set_config("pg_trgm.word_similarity_threshold", str(WORD_SIMILARITY_THRESHOLD), True)))
        rows = conn.execute(queries.search_titles(subject, limit), {"q": value}).mappings().all()
    return [dict(r) for r in rows]


def title(engine: Engine, kode_judul: str, branch_names: dict[str, str]) -> dict[str, Any]:
    """One title with its copies per branch (every branch listed, with 0 where it has none)."""
    with engine.connect() as conn:
        row = conn.execute(queries.title(kode_judul)).mappings().first()
        if row is None:
            raise NotFound(f"judul {kode_judul[:40]!r} tidak ada di katalog")
        held = {r["cabang_kini"]: r for r in conn.execute(queries.holdings(kode_judul)).mappings()}
    per_branch = [{"kode_cabang": code, "nama": name, "eksemplar": held[code]["eksemplar"] if code in held else 0,
                   "tersedia": held[code]["tersedia"] if code in held else 0} for code, name in branch_names.items()]
    return {**row, "cabang": per_branch, "tersedia": sum(b["tersedia"] for b in per_branch),
            "eksemplar": sum(b["eksemplar"] for b in per_branch)}
