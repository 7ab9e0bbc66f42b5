"""Secrets the engine signs with: from the settings when they name one, else one random key per database.

A random key per database (kept in the room's own `keys` table) means no default key ever
exists and every process of one deployment (web workers, CLI, benchmarks) shares it.
"""

from __future__ import annotations

import secrets

from sqlalchemy import Connection, text

# The tables that hold keys, allow-listed: the name is spelled into SQL.
KEY_TABLES = {"payments": "payments.keys", "documents": "documents.keys"}


def database_key(conn: Connection, room: str, name: str) -> str:
    """The key `name` of the room's keys table, created at random on first use."""
    table = KEY_TABLES[room]
    conn.execute(text(f"INSERT INTO {table} (name, value) VALUES (:n, :v) ON CONFLICT DO NOTHING"),  # noqa: S608
                 {"n": name, "v": secrets.token_hex(32)})
    return conn.execute(text(f"SELECT value FROM {table} WHERE name = :n"), {"n": name}).scalar_one()  # noqa: S608


def configured_or_database_key(conn: Connection, configured: str, room: str, name: str) -> str:
    return configured or database_key(conn, room, name)
