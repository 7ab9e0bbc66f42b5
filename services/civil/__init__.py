"""Civil registration online (Disdukcapil): birth and death certificates, moving out and moving in.

Four services declared once (services/civil/declarations/*.yaml) run by the service engine
(services/engine) over one private case layer (layers/civil_cases.yaml). What is their own is
here: the NIK and date checks (rules.py), the public figures per kelurahan and month with small
counts suppressed (stats.py over queries.py), and the synthetic seed (seed.py).
"""
