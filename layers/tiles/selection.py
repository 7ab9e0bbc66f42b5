"""Which layers and which of their properties go into a tile.

Access (layers/access.py is the one rule): a tile is rendered from, and
cached under, the layers actually put into it and, per layer, the properties
put into it (`TileLayer`), after the caller's rights were applied: layers it
may not read are 404 as if missing, properties it may not see are never
selected. The statement's text names those columns and the cache key is a
hash of that text (layers.tiles.query), so a tile rendered for a role that
sees more can never be served to one that sees less: it lives under a
different key. The same holds for rows: a layer with row rules is rendered
with the caller's row scope spelled out in the statement (layers.rowsql), so
each scope has its own cache key and a tile of one agency's rows is never
served to another agency.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from layers.access import ANONYMOUS, Principal, RowScope, can_read, readable_properties, row_scope
from layers.errors import LayerError
from layers.model import LayerSpec
from layers.registry import UnknownLayer, get_registry
from layers.tiles.grid import TileOutOfRange, check_tile


class UnknownTileProperty(LayerError):
    """A `properties=` name that no layer of the tile offers to this caller."""

    status = 400


@dataclass(frozen=True)
class TileLayer:
    """One MVT layer of a tile: the layer and the properties put into it (already allowed)."""

    id: str
    properties: tuple[str, ...]
    scope: RowScope | None = None  # the rows put in (layers.access.row_scope); None = every row

    @property
    def public(self) -> bool:
        """Whether anyone may get exactly this content (a public layer, every row or exactly the rows
        the anonymous public reaches, e.g. an agenda's public events; no private property)."""
        spec = get_registry().get(self.id)
        return (spec.access.is_public and (self.scope is None or self.scope == row_scope(spec, ANONYMOUS))
                and not set(self.properties) & set(spec.access.private))


def layer_for_tiles(layer_id: str, principal: Principal = ANONYMOUS) -> LayerSpec:
    """The declaration of a layer the caller may read (UnknownLayer otherwise, so a
    hidden layer looks exactly like a missing one, as in the items API)."""
    spec = get_registry().get(layer_id)
    if not can_read(spec, principal):
        raise UnknownLayer(layer_id)
    return spec


def single_layer(layer_id: str, z: int, x: int, y: int, principal: Principal = ANONYMOUS) -> tuple[str, ...]:
    """Layers of /collections/{id}/tiles/...: a zoom outside the declared range is 404,
    because the tileset's tileMatrixSetLimits do not list it."""
    check_tile(z, x, y)
    spec = layer_for_tiles(layer_id, principal)
    if not spec.zoom.min <= z <= spec.zoom.max:
        raise TileOutOfRange(f"{layer_id} has tiles at zooms {spec.zoom.min}..{spec.zoom.max}, not {z}")
    return (spec.id,)


def requested_layers(requested: Iterable[str] | None, principal: Principal = ANONYMOUS) -> tuple[str, ...]:
    """The layers a multi-layer tile asks for (default: every layer the caller may read), in registry
    order, whatever the zoom. An unknown or unreadable name is 404."""
    if requested is None:
        return tuple(s.id for s in get_registry() if can_read(s, principal))
    wanted = {layer_for_tiles(name, principal).id for name in requested}
    return tuple(s.id for s in get_registry() if s.id in wanted)


def visible_layers(
    requested: Iterable[str] | None, z: int, x: int, y: int, principal: Principal = ANONYMOUS
) -> tuple[str, ...]:
    """Layers of the multi-layer tile: the requested ones (default: every layer the
    caller may read) that are declared visible at zoom z, in registry order. An
    unknown or unreadable name is 404; a known one outside its zoom range is left out."""
    check_tile(z, x, y)
    registry = get_registry()
    return tuple(i for i in requested_layers(requested, principal)
                 if registry.get(i).zoom.min <= z <= registry.get(i).zoom.max)


def tile_layers(layer_ids: Sequence[str], principal: Principal = ANONYMOUS,
                properties: Sequence[str] | None = None, also_requested: Sequence[str] = ()) -> tuple[TileLayer, ...]:
    """What goes into the tile per layer: the properties the caller may see
    (layers.access), narrowed to `properties` when given (`fid` is always there,
    as the MVT feature id). A requested name that none of the layers offers this
    caller is UnknownTileProperty (400): a private name is refused exactly like an
    unknown one, so the answer does not reveal that it exists. `also_requested`: layers
    asked for but not drawn at this zoom; their properties are known names, not errors
    (a map asks one property list of all its layers at every zoom)."""
    registry = get_registry()
    readable = {i: readable_properties(registry.get(i), principal) for i in layer_ids}
    scopes = {i: row_scope(registry.get(i), principal) for i in layer_ids}
    if properties is None:
        return tuple(TileLayer(i, tuple(names), scopes[i]) for i, names in readable.items())
    wanted = [n for n in properties if n != "fid"]
    offered = {n for names in readable.values() for n in names}
    offered |= {n for i in also_requested for n in readable_properties(registry.get(i), principal)}
    unknown = [n for n in wanted if n not in offered]
    if unknown:
        choices = ", ".join(sorted(offered)) or "none"
        raise UnknownTileProperty(f"unknown property {', '.join(unknown)} for properties=; "
                                  f"the tile's layers offer: fid, {choices}")
    return tuple(TileLayer(i, tuple(n for n in names if n in wanted), scopes[i]) for i, names in readable.items())


def as_tile_layers(layers: Sequence[str | TileLayer]) -> tuple[TileLayer, ...]:
    """Layer ids stand for their public properties (what the anonymous public gets of a public layer)."""
    registry = get_registry()
    return tuple(layer if isinstance(layer, TileLayer)
                 else TileLayer(layer, tuple(p.name for p in registry.get(layer).public_properties()))
                 for layer in layers)
