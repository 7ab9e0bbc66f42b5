"""SIMAR, the records (issue 19 item 9)."""
