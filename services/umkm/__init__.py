"""UMKM marketplace (issue 20 item 6): small businesses register on the service engine
(declaration.yaml), verified ones publish products (catalogue.py), citizens search them by
product and place and write to the seller (market.py), the agency counts them per kelurahan
(counts.py)."""
