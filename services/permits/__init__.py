"""Integrated permits (perizinan terpadu): building approval (PBG) and business location permit.

Both are services declared once (services/permits/declarations/*.yaml) and run by the
service engine (services/engine); what is their own is here: the site checks against
the zoning, flood hazard and river layers and the fee rules (rules.py), and the seed of
the layers they own (seed.py, layers/*.yaml).
"""
