"""BOS and APBS: school funds received and spent per school, category and year (issue 19, item 6).

Public money is public: every school's figures are on its page and per kecamatan on a map. A
school's treasurer (staff holding `SEKOLAH-<npsn>`) or DISDIK enters them on a form or imports a
CSV/XLSX; every change is kept with who made it (`schoolfunds.entry_history`).
"""
