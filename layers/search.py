"""Search by name over every public layer's declared `search` properties: the city's place search.

One SQL statement: a UNION ALL with one branch per (layer, property), each
using the trigram index on `core.search_key(prop)` (lower-case, accents and
punctuation removed, Medan's spellings of a word made one: "jl", "jln" and
"jalan" are one word, see SPELLINGS). Trigram word similarity tolerates typos
and missing diacritics ("kesawn" finds "Kesawan", "sei sikambing" finds
"Sei Sikambing B"). Results are ranked: the whole name typed, then the name
beginning as typed, then every typed word in the name, then resemblance only;
within a tier by resemblance and the layer's declared gazetteer weight. A
declared area layer (kelurahan) labels each result with the area holding it.
Identifiers come only from the declarations; the search text is always a
bound parameter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, get_args

import yaml
from sqlalchemy import (
    ARRAY,
    Connection,
    Float,
    Select,
    String,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    true,
    union,
    union_all,
)

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

# Spellings of the same word in Medan's names and addresses, made one (layers/spellings.yaml: data,
# like a declaration), and the words that say what kind of place a name is.
_WORDS = yaml.safe_load((Path(__file__).with_name("spellings.yaml")).read_text(encoding="utf-8"))
SPELLINGS: tuple[tuple[str, str], ...] = tuple((spellings, word) for spellings, word in _WORDS["spellings"])
KIND_WORDS: tuple[str, ...] = tuple(_WORDS["kind_words"])
# A kind word typed ("jl", "kel.") says which kind is meant: in the same tier, that kind comes first.
KIND_HINTS: dict[str, str] = dict(_WORDS["kind_words"])


def _replaced(padded: str, pairs: list[tuple[str, str]]) -> str:
    for alias, word in pairs:
        padded = f"replace({padded}, ' {alias} ', ' {word} ')"
    return padded


def _search_key_sql() -> str:
    # replace() on the space-padded words, not regexp_replace per spelling: 25 regular expressions cost
    # 110 us a name (measured on the 1,587 schools), the replace chain about a tenth of that.
    words = r"' ' || regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, value)), '[^a-z0-9]+', ' ', 'g') || ' '"
    pairs = [(alias, word) for spellings, word in SPELLINGS for alias in spellings.split("|") if alias != word]
    return f"btrim({_replaced(words, pairs)})"


# PL/pgSQL, not SQL: a SQL function is inlined into every expression using it, and planning the
# search's UNION of some 45 branches with the long body inlined took 270 ms.
SEARCH_KEY_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION core.search_key(value text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$ BEGIN RETURN {_search_key_sql()}; END $$
"""
# unaccent() itself is only STABLE (its dictionary could change), so indexes
# need this IMMUTABLE wrapper with the dictionary named explicitly. The key is
# lower-case, unaccented, only letters, digits and single spaces: never a LIKE wildcard.
def _name_sql(key: str) -> str:
    padded = "' ' || " + key + " || ' '"
    return "btrim(" + _replaced(padded, [(w, "") for w in KIND_WORDS]).replace("'  '", "' '") + ")"


SEARCH_NAME_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION core.search_name(value text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$ BEGIN RETURN {_name_sql("core.search_key(value)")}; END $$
"""
# The key without the kind words: "jalan gatot subroto" -> "gatot subroto".


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
        return _identifier(f"{SEARCH_INDEX_PREFIX}{self.layer.id}_{self.property}")

    @property
    def prefix_index_name(self) -> str:
        """The b-tree (text_pattern_ops) index on the key, for exact and prefix matches."""
        return _identifier(f"{SEARCH_INDEX_PREFIX}{self.layer.id}_{self.property}_prefix")


def _identifier(name: str) -> str:
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
                  SEARCH_KEY_FUNCTION_SQL, SEARCH_NAME_FUNCTION_SQL]
    for target in search_targets(registry):
        statements.append(
            f'CREATE INDEX IF NOT EXISTS "{target.index_name}" ON "{LAYER_SCHEMA}"."{target.layer.table}" '
            f'USING gin (core.search_key("{target.property}") gin_trgm_ops)'
        )
        statements.append(
            f'CREATE INDEX IF NOT EXISTS "{target.prefix_index_name}" ON "{LAYER_SCHEMA}"."{target.layer.table}" '
            f'(core.search_key("{target.property}") text_pattern_ops)'
        )
    return statements


def drop_statements(registry: Registry | None = None) -> list[str]:
    statements = [f'DROP INDEX IF EXISTS "{LAYER_SCHEMA}"."{name}"' for t in search_targets(registry)
                  for name in (t.index_name, t.prefix_index_name)]
    return [*statements, "DROP FUNCTION IF EXISTS core.search_name(text)", "DROP FUNCTION IF EXISTS core.search_key(text)"]


def clean_search_text(raw: str | None) -> str:
    """The text as searched: outer and repeated white space removed, length checked."""
    value = " ".join((raw or "").split())
    if len(value) < MIN_QUERY_CHARS:
        raise SearchTextError(f"type at least {MIN_QUERY_CHARS} characters")
    if len(value) > MAX_QUERY_CHARS:
        raise SearchTextError(f"search text is longer than {MAX_QUERY_CHARS} characters")
    return value


@dataclass(frozen=True)
class QueryKeys:
    """The typed text as the search compares it: whole (`key`) and without kind words (`name`)."""

    key: str
    name: str
    kind_words: frozenset[str]


def query_keys(conn: Connection, value: str) -> QueryKeys:
    """core.search_key and core.search_name of the text: the database's one definition of both."""
    key, name = conn.execute(select(func.core.search_key(value), func.core.search_name(value))).one()
    return QueryKeys(key or "", name or "", frozenset(key.split()) & frozenset(KIND_WORDS) if key else frozenset())


# Match tiers, best first (the integer part of `score`): the whole key typed; the name begins as typed
# (or is typed without "jalan"); every typed word is a word of the name; trigram resemblance only.
MATCH_TIERS = {3: "exact", 2: "prefix", 1: "words", 0: "similar"}


def _tier(key: Any, name: Any) -> Any:
    return case(
        (key == bindparam("key"), 3),
        (or_(key.like(bindparam("key_prefix")), name.like(bindparam("name_prefix"))), 2),
        (func.string_to_array(bindparam("name"), " ").op("<@")(func.string_to_array(key, " ")), 1),
        else_=0)


def _name_of(key: Any) -> Any:
    """core.search_name from an already computed key (the kind words dropped), without a second unaccent."""
    padded = func.concat(" ", key, " ")
    for word in KIND_WORDS:
        padded = func.replace(padded, f" {word} ", " ")
    return func.btrim(padded)


# Candidates read per branch before ranking. A common word ("masjid", "pasar") matches tens of
# thousands of the 200,000 names of the benchmark; computing the key and scores of all of them took
# seconds, so a branch stops after this many (exact and prefix matches are looked up apart, by the
# key's b-tree index, so they are never among the ones cut off). 60 rather than 200: places p50 about
# 75 -> 40 ms in benchmarks/bench_gazetteer.py (a loaded 2-core machine), the 45-query table unchanged.
CANDIDATES_PER_BRANCH = 60


def _candidates(target: SearchTarget, scope: RowScope | None) -> Any:
    """The branch's rows: those whose key begins with the typed key (b-tree prefix index) and, up to
    CANDIDATES_PER_BRANCH, those whose key contains words like the typed name (trigram index)."""
    table = layer_table(target.layer.id)
    indexed = func.core.search_key(table.c[target.property])  # the expression the indexes are on
    rows = scope_clause(scope, table.c)  # only the rows the principal reaches (layers.access.row_scope)
    begins = (select(table.c.fid).where(indexed.like(bindparam("key_prefix", type_=String))).where(rows)
              .limit(CANDIDATES_PER_BRANCH))
    resembles = (select(table.c.fid).where(indexed.op("%>")(bindparam("name", type_=String))).where(rows)
                 .limit(CANDIDATES_PER_BRANCH))  # `key %> name`: the form the trigram index answers
    found = union(begins, resembles).subquery()
    return (select(table.c.fid, table.c[target.property].label("name"), table.c.geom, indexed.label("key"))
            .where(table.c.fid.in_(select(found.c.fid))).subquery())


def _branch(target: SearchTarget, theme_rank: int, scope: RowScope | None = None) -> Any:
    hits = _candidates(target, scope)
    key, name = hits.c.key, _name_of(hits.c.key)
    typed = bindparam("name", type_=String)
    primary = target.property == target.layer.search[0]  # the name, not an address or a code
    weight = target.layer.gazetteer.weight if target.layer.gazetteer and primary else 0.0
    # Within a tier: resemblance of the name, of the whole text, then the layer's weight; scaled below 1
    # so that it never lifts a result over a better tier.
    within = (func.word_similarity(typed, key) + 0.25 * func.similarity(bindparam("key", type_=String), key)
              + literal(weight)) / 1.75
    # A match on a later search property (an address, a code) is at best a "words" match: the
    # street itself comes before a site whose address names it.
    tier = _tier(key, name) if primary else func.least(_tier(key, name), 1)
    centre = func.ST_PointOnSurface(hits.c.geom)
    return select(
        literal(target.layer.id, String).label("layer"),
        hits.c.fid,
        hits.c.name,
        literal(target.property, String).label("property"),
        (tier + within).label("score"),
        literal(theme_rank).label("theme_rank"),
        func.ST_X(centre).label("x"), func.ST_Y(centre).label("y"),
        func.ST_XMin(hits.c.geom).label("xmin"), func.ST_YMin(hits.c.geom).label("ymin"),
        func.ST_XMax(hits.c.geom).label("xmax"), func.ST_YMax(hits.c.geom).label("ymax"),
    )


def _statement(registry: Registry, principal: Principal, kinds: frozenset[str] | None) -> Select | None:
    targets = [t for t in search_targets(registry, principal)
               if kinds is None or (t.layer.gazetteer and t.layer.gazetteer.kind in kinds)]
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


def search(bind: Bind, raw_text: str | None, *, limit: int = DEFAULT_LIMIT, registry: Registry | None = None,
           principal: Principal = ANONYMOUS, kinds: frozenset[str] | None = None) -> list[dict[str, Any]]:
    """Features whose declared name properties resemble the text, best first.

    Each result: layer, fid, name, property, score (its integer part the match tier), match
    ("exact", "prefix", "words", "similar"), kind (the layer's gazetteer kind or null), area (the
    label of the area holding it, e.g. "Kel. Sei Sikambing B, Kec. Medan Sunggal", or null),
    point [lon, lat] (on the feature) and bbox [xmin, ymin, xmax, ymax]. `kinds` keeps only the
    layers of those gazetteer kinds. Raises SearchTextError for text that cannot be searched.
    """
    value = clean_search_text(raw_text)
    registry = registry or get_registry()
    statement = _statement(registry, principal, kinds)
    if statement is None:
        return []
    with reading(bind) as conn:
        typed = query_keys(conn, value)
        if len(typed.name) < MIN_QUERY_CHARS:  # only "jalan" or "kel.": every street or kelurahan
            return []
        # is_local=true: the threshold lasts for this transaction only, so a
        # pooled connection goes back with pg_trgm's default.
        conn.execute(select(func.set_config("pg_trgm.word_similarity_threshold",
                                            str(WORD_SIMILARITY_THRESHOLD), True)))
        rows = conn.execute(statement, {
            "key": typed.key, "name": typed.name, "key_prefix": typed.key + "%", "name_prefix": typed.name + "%",
            "limit": max(1, min(limit, 50)) * 3}).mappings().all()
        areas = area_labels(conn, registry, principal, [(r["x"], r["y"]) for r in rows])
    return _hinted(_distinct(rows, areas), typed.kind_words)[:limit]


def _hinted(results: list[dict[str, Any]], kind_words: frozenset[str]) -> list[dict[str, Any]]:
    hinted = {KIND_HINTS[w] for w in kind_words}
    if not hinted:
        return results
    return sorted(results, key=lambda r: (-int(r["score"]), r["kind"] not in hinted, -r["score"]))


def _area_layer(registry: Registry, principal: Principal) -> LayerSpec | None:
    """The layer whose polygons label results (a declared gazetteer.area_label), if the principal may read it."""
    for spec in registry:
        if spec.gazetteer and spec.gazetteer.area_label and can_read(spec, principal):
            readable = set(readable_properties(spec, principal))
            if set(spec.gazetteer.area_properties) <= readable:
                return spec
    return None


def area_labels(conn: Connection, registry: Registry, principal: Principal,
                points: Sequence[tuple[float, float]]) -> list[str | None]:
    """For each (lon, lat): the area label of the declared area layer's polygon holding it, or None."""
    spec = _area_layer(registry, principal)
    if spec is None or not points:
        return [None] * len(points)
    props = spec.gazetteer.area_properties if spec.gazetteer else []
    table = layer_table(spec.id)
    floats = ARRAY(Float)
    given = func.unnest(cast(bindparam("xs"), floats), cast(bindparam("ys"), floats)).table_valued(
        "x", "y", with_ordinality="i").render_derived()
    holding = (select(*[table.c[p] for p in props])
               .where(func.ST_Intersects(table.c.geom, func.ST_SetSRID(func.ST_MakePoint(given.c.x, given.c.y), 4326)))
               .limit(1).lateral("area"))
    rows = conn.execute(select(given.c.i, *[holding.c[p] for p in props]).select_from(given.join(holding, true())),
                        {"xs": [p[0] for p in points], "ys": [p[1] for p in points]}).all()
    labels: list[str | None] = [None] * len(points)
    template = spec.gazetteer.area_label if spec.gazetteer else ""
    for row in rows:
        labels[row[0] - 1] = (template or "").format(**dict(zip(props, row[1:], strict=True)))
    return labels


def _distinct(rows: Sequence[Any], areas: Sequence[str | None]) -> list[dict[str, Any]]:
    """Results without repeats: layers sharing geometry (kelurahan-based themes) would list the same place
    several times, and a street is many OpenStreetMap ways; one result per name and place (for a street:
    per name and kelurahan, its bbox grown over its ways) stays, the best-ranked one."""
    by_place: dict[tuple, dict[str, Any]] = {}
    for r, area in zip(rows, areas, strict=True):
        registry_kind = _kind(r["layer"])
        place = ((r["name"].casefold(), area) if registry_kind == "jalan" and area
                 else (r["name"].casefold(), round(r["x"], 5), round(r["y"], 5)))
        if place in by_place:
            seen = by_place[place]
            if seen["layer"] == r["layer"]:
                seen["bbox"] = [min(seen["bbox"][0], r["xmin"]), min(seen["bbox"][1], r["ymin"]),
                                max(seen["bbox"][2], r["xmax"]), max(seen["bbox"][3], r["ymax"])]
            continue
        score = float(r["score"])
        by_place[place] = {
            "layer": r["layer"], "fid": r["fid"], "name": r["name"], "property": r["property"],
            "score": round(score, 3), "match": MATCH_TIERS[int(score)], "kind": registry_kind, "area": area,
            "point": [r["x"], r["y"]], "bbox": [r["xmin"], r["ymin"], r["xmax"], r["ymax"]],
        }
    return list(by_place.values())


def _kind(layer_id: str) -> str | None:
    spec = get_registry().get(layer_id)
    return spec.gazetteer.kind if spec.gazetteer else None
