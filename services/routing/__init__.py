"""Driving routes on the OpenStreetMap street graph that avoid congested intersections (issue 20, item 8)."""
