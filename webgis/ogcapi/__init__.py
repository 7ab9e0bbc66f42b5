"""OGC API – Features (Parts 1–4) for every public layer in the registry.

Routes live in `views` (reads, and the blueprint) and `writes` (Part 4); SQL
comes from layers.queries and layers.cql; nothing here names a layer.
"""
