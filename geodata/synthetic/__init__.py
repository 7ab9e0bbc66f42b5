"""Deterministic, clearly synthetic data for the layers that have no real source yet.

Every generator is a pure function of the real kelurahan polygons and a seed:
the same input always gives the same output, so a reseed never churns the
history tables. Geometry is built in EPSG:4326 (what is stored) and measured in
UTM 47N (EPSG:32647), so metres and kilometres are real metres.

Only the generators of layers no service computes live here (angkot routes and
stops, the population and food indicators, sample points) with the helpers
every generator shares (`common`). A layer that a service or the devices
compute is seeded by its owner (`services/<name>/seed.py`, `devices/seed.py`);
its declaration names the generator by import path, and geodata.seed finds it
that way, so geodata never imports a service.
"""
