"""What the command groups share: the database they work on, who acts, how they fail.

Kept apart from the groups so that each group module imports this one and no
group imports another's helpers (webgis/cli/__init__.py assembles the groups).
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from config import database_url
from config.settings import get_settings
from layers.model import ROLES

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from geodata.cluster import LocalCluster

F = TypeVar("F", bound=Callable[..., Any])
# The roles a command may give a user or a token (everyone is already "public").
ROLE = click.Choice([r for r in ROLES if r != "public"])


def local_cluster() -> LocalCluster:
    from geodata.cluster import LocalCluster

    return LocalCluster(get_settings().pg)


def running_database_url(start: bool = True) -> str:
    """config.database_url(), with the local cluster started (and its database made) if that is the one."""
    settings = get_settings()
    if settings.uses_local_cluster and start:
        from geodata.cluster import ensure_database

        cluster = local_cluster()
        if cluster.start():
            click.echo(f"started local PostGIS on {settings.pg.host}:{settings.pg.port} ({cluster.data_dir})", err=True)
        ensure_database(cluster.url("postgres"), settings.pg.database)
    return database_url()


def engine() -> Engine:
    from layers.db import engine_for

    return engine_for(running_database_url())


def actor() -> str:
    """Who the audit trail and feature history name for a command run from this shell."""
    return f"cli:{os.environ.get('USER', 'unknown')}"


def fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def fail_on_layer_errors(fn: F) -> F:
    """A command whose LayerError exits 2 with the message and each problem, not a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from layers.errors import LayerError

        try:
            return fn(*args, **kwargs)
        except LayerError as exc:
            click.echo(f"error: {exc.message}", err=True)
            for problem in exc.problems:
                click.echo(f"  - {problem}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]
