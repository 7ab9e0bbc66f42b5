"""Health and education counts per kelurahan (issue 19, item 10): medical records and education history
never as points, never per person. Only counts per kelurahan and year leave here, to the roles each
indicator declares (`counts.yaml`), with small counts suppressed (`disclosure.py`).
"""
