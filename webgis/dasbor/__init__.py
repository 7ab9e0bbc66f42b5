"""The regional performance dashboard (issue 19 item 7)."""
