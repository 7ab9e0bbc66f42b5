"""Regional performance indicators (issue 19 item 7): declared once, computed from the layers,
kept in a summary table for the dashboard, each figure with its provenance."""
