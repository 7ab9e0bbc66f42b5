"""The platform's command line: `python -m webgis ...`, one module per command group.

    db start|stop|status|migrate|url|revision    the database                     (db.py)
    db backup FILE | db restore FILE URL         a dump of it, and back           (backup.py)
    db replica add|list|start|stop|remove        streaming read replicas          (replicas.py)
    db pitr setup|backup|info|restore --to T     WAL archiving, point-in-time     (pitr.py)
    seed [LAYER ...]                             load Medan's data                (seed.py)
    layers list|import|export|history|restore    work with layers                 (layers.py)
    basemap import FILE.osm.pbf                  streets and places from OSM      (basemap.py)
    basemap graph                                rebuild the driving graph        (basemap.py)
    users create|roles|list                      accounts and roles               (users.py)
    tokens create|revoke|list                    API tokens                       (tokens.py)
    serve [--dev] [--instances N] [--pooled]     the web server; N behind HAProxy (serve.py, fleet.py)
    up [--instances N] [--pooled]                all of the above, then serve     (serve.py)
    assets                                       front-end packages into static/  (serve.py)

The groups share only webgis/cli/common.py (database URL, engine, actor, failing).
"""

from __future__ import annotations

import click

from webgis.cli.backup import backup_dump, backup_restore
from webgis.cli.basemap import basemap
from webgis.cli.db import db
from webgis.cli.layers import layers
from webgis.cli.pitr import pitr
from webgis.cli.replicas import replica
from webgis.cli.seed import seed
from webgis.cli.serve import assets, serve, up
from webgis.cli.tokens import tokens
from webgis.cli.users import users


@click.group()
def main() -> None:
    """Medan WebGIS."""


db.add_command(backup_dump)
db.add_command(backup_restore)
db.add_command(replica)
db.add_command(pitr)
for command in (db, seed, layers, basemap, assets, serve, up, users, tokens):
    main.add_command(command)
