"""SIMBADA, the city's register of assets (issue 19, item 1): land, equipment, buildings, roads and
networks, other fixed assets and construction in progress (KIB A-F), each located on the map in one
of three declared layers (areas, lines, points: `layers/`), with the responsible agency, acquisition
year and value, condition, depreciation by class (`rules.py`), inventory visits (`inventory.py`),
transfers between agencies kept in the layers' history, and the planners' questions (`queries.py`).
"""
