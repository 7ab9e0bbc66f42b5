"""Backups and the accounts command line, run as an operator would run them."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from config.settings import PROJECT_ROOT
from geodata.cluster import drop_database
from layers import count_features
from layers.db import engine_for
from layers.registry import get_registry
from webgis.backup import BackupError, restore


def webgis(database_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(PROJECT_ROOT), "USER": "tester"}
    return subprocess.run([sys.executable, "-m", "webgis", *args], capture_output=True, text=True, env=env,
                          cwd=PROJECT_ROOT, timeout=300, input=stdin)


def test_backup_then_restore_into_an_empty_database_finds_every_layer(
    database_url: str, server_url: str, tmp_path: Path,
) -> None:
    dump = tmp_path / "medan.dump"
    result = webgis(database_url, "db", "backup", str(dump))
    assert result.returncode == 0, result.stderr
    target_name = f"medan_restore_{uuid.uuid4().hex[:8]}"
    target = make_url(server_url).set(database=target_name).render_as_string(hide_password=False)
    try:
        result = webgis(database_url, "db", "restore", str(dump), target)
        assert result.returncode == 0, result.stderr
        source, restored = engine_for(database_url), engine_for(target)
        for spec in get_registry():
            assert count_features(restored, spec.id) == count_features(source, spec.id), spec.id
        # A second restore into the now non-empty database is refused: restores never merge.
        with pytest.raises(BackupError, match="not empty"):
            restore(dump, target)
    finally:
        engine_for(target).dispose()
        drop_database(server_url, target_name)


def test_users_and_tokens_from_the_command_line(database_url: str) -> None:
    # Three processes only (each start costs seconds): create, token, revoke; the rest is checked in the database.
    from webgis.accounts import store, tokens

    engine = engine_for(database_url)
    name = f"cli{uuid.uuid4().hex[:8]}"
    result = webgis(database_url, "users", "create", name, "--role", "admin", "--role", "planner",
                    "--password-stdin", stdin="a-long-cli-password\n")
    assert result.returncode == 0, result.stderr
    user = store.get_user(engine, username=name)
    assert user is not None and user.roles == {"admin", "planner"}
    assert store.authenticate(engine, name, "a-long-cli-password") is not None
    created = webgis(database_url, "tokens", "create", name, "--name", "script", "--role", "planner")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert tokens.principal_for_token(engine, secret).roles == {"planner", "public"}
    token_id = created.stderr.split("#", 1)[1].split()[0]
    assert webgis(database_url, "tokens", "revoke", token_id).returncode == 0
    with pytest.raises(tokens.InvalidToken, match="revoked"):
        tokens.principal_for_token(engine, secret)
