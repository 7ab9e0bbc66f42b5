"""The feature form of a layer, as an editing client builds it: derived from the declaration.

The homepage's editor (webgis/static/pages/js/edit*.js) draws its form from
`edit_form`, so the form asks what layers/validate.py will check (types,
required, allowed values, minimum/maximum, max_length) and no layer is named
in code. The server still validates every write; the form only spares the
round trip and says it in the user's language.

Who may edit what is layers/access.py's: no form for a principal that may not
write the layer; a property the principal may not change through the generic
API (a workflow's state) is read-only; a property a row rule limits (a staff
member's agencies) offers only the values the principal's writes may hold.
Flask-free.
"""

from __future__ import annotations

from typing import Any

from layers.access import Principal, can_view_history, can_write, row_scope, writable_layers
from layers.model import LayerSpec, PropertySpec
from layers.registry import Registry

GEOMETRY_KINDS = {"Point": "point", "MultiPoint": "point", "LineString": "line", "MultiLineString": "line",
                  "Polygon": "polygon", "MultiPolygon": "polygon"}


def _field(prop: PropertySpec, readonly: bool, limited: tuple[str, ...] | None) -> dict[str, Any]:
    allowed = list(limited) if limited is not None else prop.allowed
    return {
        "name": prop.name,
        "type": prop.type,
        "title": prop.title.model_dump(),
        "description": prop.description.model_dump() if prop.description else None,
        "required": prop.required,
        "allowed": allowed,
        "minimum": prop.minimum,
        "maximum": prop.maximum,
        "max_length": prop.max_length,
        "unit": prop.unit,
        "readonly": readonly,
    }


def edit_form(spec: LayerSpec, principal: Principal) -> dict[str, Any] | None:
    """The form of `spec` for `principal`, or None when it may not write the layer."""
    if not can_write(spec, principal):
        return None
    workflow_state = spec.workflow.state if spec.workflow else None
    scope = row_scope(spec, principal, writing=True)  # the editor offers only the rows it may change
    limits = dict(scope.conditions) if scope is not None else {}
    return {
        "id": spec.id,
        "title": spec.title.model_dump(),
        "geometry": spec.geometry,
        "kind": GEOMETRY_KINDS[spec.geometry],
        "key": spec.key,
        "label": spec.search[0] if spec.search else spec.key,
        # A workflow's rows are created and removed by their service only (layers.access).
        "create": spec.workflow is None,
        "delete": spec.workflow is None,
        "history": can_view_history(spec, principal),
        "fields": [_field(p, p.name == workflow_state, limits.get(p.name)) for p in spec.properties],
    }


def edit_forms(principal: Principal, registry: Registry | None = None) -> list[dict[str, Any]]:
    """The forms of every layer `principal` may write, in registry order ([] for the public and citizens)."""
    return [form for spec in writable_layers(principal, registry)
            if (form := edit_form(spec, principal)) is not None]
