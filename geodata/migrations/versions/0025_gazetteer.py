"""Place search in Bahasa Indonesia (issue 20, item 2): one spelling per word in the search key

Revision ID: 0025_gazetteer
Revises: 0024_osm
Create Date: 2026-12-07 22:40:00

core.search_key now also turns punctuation into spaces and makes Medan's spellings of a word one
("jl", "jln" -> "jalan"; "gg" -> "gang"; "kel" -> "kelurahan"; "mesjid" -> "masjid"; "sdn" ->
"sd negeri"; "sm raja" -> "sisingamangaraja", ...: layers.search.SPELLINGS), and core.search_name is
the key without the kind words ("jalan gatot subroto" -> "gatot subroto"). Every index built on
the old core.search_key is rebuilt, since an expression index keeps the values of the function as
it was.
"""
from alembic import op
from sqlalchemy import text

from layers.search import SEARCH_KEY_FUNCTION_SQL, SEARCH_NAME_FUNCTION_SQL

revision = '0025_gazetteer'
down_revision = '0024_osm'
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


def upgrade() -> None:
    op.execute(SEARCH_KEY_FUNCTION_SQL)
    op.execute(SEARCH_NAME_FUNCTION_SQL)
    _reindex_search_key_indexes()


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS core.search_name(text)")
    op.execute(OLD_SEARCH_KEY_SQL)
    _reindex_search_key_indexes()
