"""The network probe against real listeners on this machine: one that answers, one that is slow,
one that never completes a handshake, and a closed port (tests/helpers/listeners.py). No mocks."""

from __future__ import annotations

import time

import pytest

from services.skpd.probe import ProbeSettings, Target, classify, run_probes
from tests.helpers.listeners import HOST, answering, black_hole, closed_port, slow

# Ports of this worktree's range (26001-26099), below the ephemeral ones.
PORTS = {"answering": 26011, "slow": 26012, "black_hole": 26013, "closed": 26014}
SETTINGS = ProbeSettings(tries=3, timeout_s=2.5, pause_s=0.1, slow_ms=300.0)


@pytest.fixture(scope="module")
def results() -> dict[str, object]:
    with answering(PORTS["answering"]), slow(PORTS["slow"]), black_hole(PORTS["black_hole"]):
        targets = [Target("SITE-OK", HOST, PORTS["answering"]), Target("SITE-SLOW", HOST, PORTS["slow"]),
                   Target("SITE-HOLE", HOST, PORTS["black_hole"]),
                   Target("SITE-CLOSED", HOST, closed_port(PORTS["closed"]))]
        started = time.perf_counter()
        found = run_probes(targets, ProbeSettings(tries=3, timeout_s=2.5, pause_s=0.1, slow_ms=300.0))
        elapsed = time.perf_counter() - started
    return {"by_office": {r.office: r for r in found}, "elapsed": elapsed, "order": [r.office for r in found]}


def test_a_site_that_answers_is_up_with_its_latency(results) -> None:
    ok = results["by_office"]["SITE-OK"]
    assert (ok.status, ok.answered, ok.loss_pct, ok.error) == ("up", 3, 0.0, None)
    assert 0 < ok.latency_ms < 100  # loopback


def test_a_slow_site_is_degraded_and_its_latency_measured(results) -> None:
    late = results["by_office"]["SITE-SLOW"]
    assert late.answered == 3 and late.loss_pct == 0.0
    assert 800 < late.latency_ms < 2500  # the kernel's SYN retransmission, about one second
    assert late.status == "degraded"


def test_a_site_that_never_answers_is_down_by_timeout(results) -> None:
    hole = results["by_office"]["SITE-HOLE"]
    assert (hole.status, hole.answered, hole.loss_pct, hole.error) == ("down", 0, 100.0, "timeout")
    assert hole.latency_ms is None


def test_a_refused_connection_is_down_and_says_so(results) -> None:
    closed = results["by_office"]["SITE-CLOSED"]
    assert (closed.status, closed.answered, closed.error) == ("down", 0, "ditolak")


def test_sites_are_probed_at_once_and_reported_in_order(results) -> None:
    assert results["order"] == ["SITE-OK", "SITE-SLOW", "SITE-HOLE", "SITE-CLOSED"]
    # One after the other would be >= 3 x 2.5 s of timeouts plus 3 x 1 s of slow tries.
    assert results["elapsed"] < 3 * 2.5 + 2


def test_partial_loss_is_degraded_and_bad_settings_are_refused() -> None:
    assert classify(2, 3, 5.0, 300.0) == "degraded"
    assert classify(3, 3, 5.0, 300.0) == "up"
    with pytest.raises(ValueError, match="tries"):
        ProbeSettings(tries=0)
