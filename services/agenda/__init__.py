"""The daily agenda of the mayor and the agencies (issue 19 item 8): located events, public or internal."""
