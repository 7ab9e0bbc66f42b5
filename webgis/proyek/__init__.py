"""The projects face (issue 19 item 2): the public transparency map and register, and staff progress updates."""
