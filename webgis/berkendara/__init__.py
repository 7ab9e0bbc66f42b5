"""Driving routes around congested intersections: the citizen page and its JSON (issue 20, item 8)."""
