"""The spatial core's Python API: what services, the web and notebooks call.

    from layers import engine_for, read_layer, insert_features
    gdf = read_layer(engine_for(url), "schools", where={"jenjang": "SMP"})
"""

from layers.db import engine_for
from layers.errors import (
    FeatureNotFound,
    InvalidFeature,
    LayerError,
    SchemaMismatch,
    VersionConflict,
)
from layers.features.read import count_features, feature_history, get_feature
from layers.features.write import (
    delete_feature,
    insert_features,
    restore_feature,
    update_feature,
    upsert_features,
)
from layers.files import export_layer, import_file
from layers.frames.load import load_frame
from layers.frames.read import read_layer
from layers.registry import get_registry

__all__ = [
    "FeatureNotFound", "InvalidFeature", "LayerError", "SchemaMismatch", "VersionConflict",
    "count_features", "delete_feature", "engine_for", "export_layer", "feature_history",
    "get_feature", "get_registry", "import_file", "insert_features", "load_frame", "read_layer",
    "restore_feature", "update_feature", "upsert_features",
]
