"""SIMAR, the city's records (issue 19 item 9): documents attached to features and cases, retention
classes as data, full-text and place search, classification enforced by layers/access.py."""
