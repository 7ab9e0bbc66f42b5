"""Print and share the homepage map: /peta/cetak (PDF or PNG) and the embeddable map /peta/sematkan (issue 20 item 9)."""
