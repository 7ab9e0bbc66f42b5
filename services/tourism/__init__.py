"""Tourism information (issue 20 item 4): real sites of Medan and suggested walks."""
