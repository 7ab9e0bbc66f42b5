"""Search by name over every public layer's declared `search` properties.

One SQL statement: a UNION ALL with one branch per (layer, property), each
using the trigram index that migration 0004 builds on `core.search_key(prop)`
(lower-case, accents removed). Trigram word similarity tolerates typos and
missing diacritics ("kesawn" finds "Kesawan", "sei sikambing" finds
"Sei Sikambing B"). Identifiers come only from the declarations; the search
text is always a bound parameter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, get_args

from sqlalchemy import Select, String, bindparam, func, literal, select, text, union_all

from layers.access import ANONYMOUS, Principal, RowScope, can_read, readable_properties, row_scope
from layers.model import LayerSpec, Theme
from layers.registry import Registry, get_registry
from layers.rowsql import scope_clause
from layers.schema import LAYER_SCHEMA
from layers.tables import Bind, layer_table, reading

MAX_QUERY_CHARS = 100
MIN_QUERY_CHARS = 2
DEFAULT_LIMIT = 10
# Chosen on Medan's names (see tests/test_search.py): one or two typos and
# joined words ("tegalsari" for "Tegal Sari Mandala I", 0.62) stay above it,
# unrelated names sharing a syllable ("puskesmas" for "SMAS Puteri Sion", 0.5)
# fall below. pg_trgm's default is 0.6.
WORD_SIMILARITY_THRESHOLD = 0.55

SEARCH_KEY_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION core.search_key(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, value)) $$
"""
# unaccent() itself is only STABLE (its dictionary could change), so indexes
# need this IMMUTABLE wrapper with the dictionary named explicitly.


# Alembic's autogenerate must leave these indexes alone: they are derived from
# `search` lists, not from the table metadata (geodata/migrations/env.py).
SEARCH_INDEX_PREFIX = "ix_search_"
# Indexes a service's migration adds on its own layer for its queries (not derived from a declaration).
PERFORMANCE_INDEX_PREFIX = "ix_perf_"


class SearchTextError(ValueError):
    """The search text cannot be searched (empty or too long); the message says why."""


@dataclass(frozen=True)
class SearchTarget:
    layer: LayerSpec
    property: str

    @property
    def index_name(self) -> str:
        name = f"{SEARCH_INDEX_PREFIX}{self.layer.id}_{self.property}"
        if len(name) > 63:  # PostgreSQL truncates identifiers at 63 bytes
            digest = hashlib.sha1(name.encode()).hexdigest()[:8]
            name = f"{name[:54]}_{digest}"
        return name


def search_targets(registry: Registry | None = None, principal: Principal = ANONYMOUS) -> list[SearchTarget]:
    """Every (layer, search property) pair the principal may read (layers.access), in registry order.

    The default, the anonymous public, gives the public targets: those the
    trigram indexes of `index_statements` cover.
    """
    targets = []
    for spec in registry or get_registry():
        if not can_read(spec, principal):
            continue
        visible = set(readable_properties(spec, principal))
        targets.extend(SearchTarget(spec, name) for name in spec.search if name in visible)
    return targets


def index_statements(registry: Registry | None = None) -> list[str]:
    """DDL for the search function and one GIN trigram index per search target.

    Identifiers are declaration names checked by layers.model.IDENTIFIER
    (lower-case letters, digits and underscores), so quoting them is enough.
    """
    statements = ["CREATE EXTENSION IF NOT EXISTS unaccent", "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                  SEARCH_KEY_FUNCTION_SQL]
    for target in search_targets(registry):
        statements.append(
            f'CREATE INDEX IF NOT EXISTS "{target.index_name}" ON "{LAYER_SCHEMA}"."{target.layer.table}" '
            f'USING gin (core.search_key("{target.property}") gin_trgm_ops)'
        )
    return statements


def drop_statements(registry: Registry | None = None) -> list[str]:
    statements = [f'DROP INDEX IF EXISTS "{LAYER_SCHEMA}"."{t.index_name}"' for t in search_targets(registry)]
    return [*statements, "DROP FUNCTION IF EXISTS core.search_key(text)"]


def clean_search_text(raw: str | None) -> str:
    """The text as searched: outer and repeated white space removed, length checked."""
    value = " ".join((raw or "").split())
    if len(value) < MIN_QUERY_CHARS:
        raise SearchTextError(f"type at least {MIN_QUERY_CHARS} characters")
    if len(value) > MAX_QUERY_CHARS:
        raise SearchTextError(f"search text is longer than {MAX_QUERY_CHARS} characters")
    return value


def _branch(target: SearchTarget, theme_rank: int, scope: RowScope | None = None) -> Any:
    table = layer_table(target.layer.id)
    column = table.c[target.property]
    key = func.core.search_key(column)
    query = func.core.search_key(text(":q"))
    score = func.word_similarity(query, key)
    centre = func.ST_PointOnSurface(table.c.geom)
    return select(
        literal(target.layer.id, String).label("layer"),
        table.c.fid,
        column.label("name"),
        literal(target.property, String).label("property"),
        (score + 0.25 * func.similarity(query, key)).label("score"),
        literal(theme_rank).label("theme_rank"),
        func.ST_X(centre).label("x"), func.ST_Y(centre).label("y"),
        func.ST_XMin(table.c.geom).label("xmin"), func.ST_YMin(table.c.geom).label("ymin"),
        func.ST_XMax(table.c.geom).label("xmax"), func.ST_YMax(table.c.geom).label("ymax"),
    ).where(key.op("%>")(query)).where(  # `key %> q`: the form the GIN index on key answers
        scope_clause(scope, table.c))  # only the rows the principal reaches (layers.access.row_scope)


def _statement(registry: Registry, principal: Principal) -> Select | None:
    targets = search_targets(registry, principal)
    return _statement_for(registry, tuple((t.layer.id, t.property, row_scope(t.layer, principal)) for t in targets))


@lru_cache(maxsize=64)
def _statement_for(registry: Registry, keys: tuple[tuple[str, str, RowScope | None], ...]) -> Select | None:
    """The UNION ALL over the search targets, built once per set of targets and row scopes (building is slow)."""
    targets = [(SearchTarget(registry.get(layer_id), name), scope) for layer_id, name, scope in keys]
    if not targets:
        return None
    themes = list(get_args(Theme))
    branches = [_branch(t, themes.index(t.layer.theme), scope) for t, scope in targets]
    combined = union_all(*branches).subquery("hits")
    return (
        select(combined)
        .order_by(combined.c.score.desc(), combined.c.theme_rank, func.length(combined.c.name), combined.c.fid)
        .limit(bindparam("limit"))
    )


def search(bind: Bind, raw_text: str | None, *, limit: int = DEFAULT_LIMIT,
           registry: Registry | None = None, principal: Principal = ANONYMOUS) -> list[dict[str, Any]]:
    """Features whose declared name properties resemble the text, best first.

    Each result: layer, fid, name, property, score, point [lon, lat] (on the
    feature) and bbox [xmin, ymin, xmax, ymax]. Raises SearchTextError for
    text that cannot be searched.
    """
    value = clean_search_text(raw_text)
    statement = _statement(registry or get_registry(), principal)
    if statement is None:
        return []
    with reading(bind) as conn:
        # is_local=true: the threshold lasts for this transaction only, so a
        # pooled connection goes back with pg_trgm's default.
        conn.execute(select(func.set_config("pg_trgm.word_similarity_threshold",
                                            str(WORD_SIMILARITY_THRESHOLD), True)))
        rows = conn.execute(statement, {"q": value, "limit": max(1, min(limit, 50)) * 3}).mappings().all()
    return _distinct(rows)[:limit]


def _distinct(rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Results without repeats: layers sharing geometry (kelurahan-based themes)
    would list the same place several times; the best-ranked layer's hit stays."""
    seen: set[tuple[str, float, float]] = set()
    results = []
    for r in rows:
        place = (r["name"].casefold(), round(r["x"], 5), round(r["y"], 5))
        if place in seen:
            continue
        seen.add(place)
        results.append({
            "layer": r["layer"], "fid": r["fid"], "name": r["name"], "property": r["property"],
            "score": round(float(r["score"]), 3), "point": [r["x"], r["y"]],
            "bbox": [r["xmin"], r["ymin"], r["xmax"], r["ymax"]],
        })
    return results
