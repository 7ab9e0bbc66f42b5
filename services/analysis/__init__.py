"""Spatial analyses for planners: each a parametrised function that reads layers
through the `layers` API and publishes its result layer(s) with provenance.

    from services.analysis import risk
    report = risk.run_risk(engine, weights={"bahaya": 0.5, "keterpaparan": 0.3, "kejadian": 0.2})

The modules know nothing of Flask; the CLI (`python -m services analyse`),
the web and the notebooks call the same functions.
"""
