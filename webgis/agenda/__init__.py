"""The daily agenda (issue 19 item 8)."""
