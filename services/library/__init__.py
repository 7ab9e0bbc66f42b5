"""The digital library (issue 20 item 5): the city library's branches and the mobile library's stops
on the map, a catalogue with a typo-tolerant search, membership, and reservations picked up at a
chosen branch. Flask-free; the /perpustakaan pages, the CLI and notebooks call the same functions."""
