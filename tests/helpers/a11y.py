"""Accessibility checks: the citizen pages, derived from the URL map, and axe-core run in Chromium.

A citizen page is a GET route the route x role table (tests/security/test_authz_matrix.py)
declares PUBLIC (or READ, for a public layer's pages) that answers an anonymous browser with
HTML (an error page included). So a new public page joins the checks the day its route gets its row in the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask

from tests.helpers.routes import samples, urls

# The WCAG 2.0/2.1 A and AA rules of axe-core (its tags); best practices are not WCAG and are left out.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Policies of the table whose pages an anonymous citizen can open.
PUBLIC_POLICIES = ("PUBLIC", "READ")
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@dataclass(frozen=True)
class CitizenPage:
    endpoint: str
    url: str


def citizen_pages(app: Flask, table: dict[tuple[str, str], str]) -> list[CitizenPage]:
    """Every public GET route answering an anonymous browser with an HTML page, error pages included (one URL per rule)."""
    layer_samples = [s for s in samples(app.extensions["engine"])
                     if s.spec.access.read == "public" and s.fid is not None][:1]
    client = app.test_client()
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if table.get((rule.endpoint, "GET")) not in PUBLIC_POLICIES or rule.endpoint.endswith("static"):
            continue
        for url in urls(app, rule, layer_samples)[:1]:
            response = client.get(url, headers={"Accept": BROWSER_ACCEPT})
            # An error page (a parcel or bill the fillers name but this database lacks) is a page
            # citizens see too: checked as well.
            if response.status_code < 500 and response.mimetype == "text/html":
                found.append(CitizenPage(rule.endpoint, url))
    return found


def run_axe(page: Any, base: str, context: str = "document") -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now (the script is the app's vendored copy)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=f"{base}/static/vendor/axe-core/axe.min.js")
    return page.evaluate(
        """([context, tags]) => axe.run(context === 'document' ? document : document.querySelector(context),
                                        {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
             .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                                 nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': '
                                                   + (n.failureSummary || '').split('\\n').slice(1, 2).join(''))})))""",
        [context, WCAG_TAGS])


def describe(where: str, violations: list[dict[str, Any]]) -> list[str]:
    """One line per violated rule: the page and state, the rule, its impact and the first elements."""
    return [f"{where}: {v['id']} ({v['impact']}) {v['help']} -> {v['nodes']}" for v in violations]
