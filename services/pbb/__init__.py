"""PBB-P2 (land and building tax) and advertising tax (pajak reklame): the parcels, the land value
zones and the billboards as layers, the bill of a parcel from the declared tariff (tariff.yaml).
"""
