"""Place search in Bahasa Indonesia (issue 20, item 2): one spelling per word in the search key

Revision ID: 0025_gazetteer
Revises: 0025_routing
Create Date: 2026-12-07 22:40:00

core.search_key now also turns punctuation into spaces and makes Medan's spellings of a word one
("jl", "jln" -> "jalan"; "gg" -> "gang"; "kel" -> "kelurahan"; "mesjid" -> "masjid"; "sdn" ->
"sd negeri"; "sm raja" -> "sisingamangaraja", ...: layers.search.SPELLINGS), and core.search_name is
the key without the kind words ("jalan gatot subroto" -> "gatot subroto"). Every index built on
the old core.search_key is rebuilt, since an expression index keeps the values of the function as
it was. Each trigram search index (ix_search_*) gets a b-tree twin on the same key
(text_pattern_ops, `..._prefix`): exact and prefix matches are found by it, however common the word.
"""
import hashlib
import re

from alembic import op
from sqlalchemy import text

from layers.search import SEARCH_KEY_FUNCTION_SQL, SEARCH_NAME_FUNCTION_SQL

revision = '0025_gazetteer'
down_revision = '0025_routing'
branch_labels = None
depends_on = None

OLD_SEARCH_KEY_SQL = """
CREATE OR REPLACE FUNCTION core.search_key(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, value)) $$
"""


def _reindex_search_key_indexes() -> None:
    bind = op.get_bind()
    names = bind.execute(text(
        "SELECT schemaname, indexname FROM pg_indexes WHERE indexdef LIKE '%search_key(%' ORDER BY 1, 2")).all()
    for schema, name in names:  # names read from the catalogue, quoted
        op.execute(f'REINDEX INDEX "{schema}"."{name}"')


def _search_indexes() -> list[tuple[str, str, str]]:
    """(schema, index name, indexed column) of every ix_search_ trigram index, from the catalogue."""
    bind = op.get_bind()
    found = bind.execute(text(
        "SELECT schemaname, indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'ix\\_search\\_%' "
        "AND indexdef LIKE '%gin_trgm_ops%' ORDER BY 1, 2")).all()
    return [(schema, name, re.search(r"search_key\(\"?(\w+)\"?\)", definition).group(1))
            for schema, name, definition in found]


def _prefix_index(name: str) -> str:
    full = f"{name}_prefix"
    return full if len(full) <= 63 else f"{full[:54]}_{hashlib.sha1(full.encode()).hexdigest()[:8]}"


def upgrade() -> None:
    op.execute(SEARCH_KEY_FUNCTION_SQL)
    op.execute(SEARCH_NAME_FUNCTION_SQL)
    _reindex_search_key_indexes()
    for schema, name, column in _search_indexes():  # exact and prefix matches (layers.search._candidates)
        table = op.get_bind().execute(text("SELECT tablename FROM pg_indexes WHERE schemaname = :s AND indexname = :n"),
                                      {"s": schema, "n": name}).scalar_one()
        op.execute(f'CREATE INDEX IF NOT EXISTS "{_prefix_index(name)}" ON "{schema}"."{table}" '
                   f'(core.search_key("{column}") text_pattern_ops)')


def downgrade() -> None:
    for schema, name, _ in _search_indexes():
        op.execute(f'DROP INDEX IF EXISTS "{schema}"."{_prefix_index(name)}"')
    op.execute("DROP FUNCTION IF EXISTS core.search_name(text)")
    op.execute(OLD_SEARCH_KEY_SQL)
    _reindex_search_key_indexes()
