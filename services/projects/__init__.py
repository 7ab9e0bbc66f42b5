"""City projects from plan to done (issue 19 item 2): e-Budgeting, SiRUP, e-Procurement, SIMONEV and the
handover to SIMBADA as one lifecycle on the service engine (declaration.yaml).

    rules.py       the S-curve, the delay flag, what each stage needs (pure functions)
    lifecycle.py   plan a project, move it a stage on, report progress: one transaction each
    importer.py    APBD and SiRUP rows from the CSV/XLSX exports agencies keep, all or nothing
    register.py    the public register and a project's public page (no personal data)
    indicators.py  project progress and the share delayed, per kecamatan and month (indicators.yaml)
    seed.py        synthetic projects and their progress reports, deterministic, labelled
"""
