"""Tourism information for citizens and visitors (issue 20 item 4)."""
