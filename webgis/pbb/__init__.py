"""The PBB-P2 pages: a parcel's bills by NOP and paying them, collection per kelurahan (views.py)."""
