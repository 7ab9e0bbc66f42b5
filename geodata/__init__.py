"""Seed data for Medan, its loaders, the local PostGIS cluster and migrations."""
