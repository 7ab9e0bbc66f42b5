"""Angkot for citizens (issue 20 item 3): the trip planner, the route pages' data and the GTFS download.

The routes and stops are the `transit_routes` / `transit_stops` layers (synthetic until Dishub's
data is imported with `python -m services gtfs import`); the analyses over them stay in
services/analysis (transit coverage, GTFS in and out).
"""
