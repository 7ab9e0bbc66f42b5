"""The projects service's own rules, as pure functions: the S-curve, the delay flag, progress only upward."""

from __future__ import annotations

from datetime import date

from services.projects import rules

START, END = date(2026, 1, 1), date(2026, 12, 31)


def test_the_planned_s_curve_starts_slow_ends_slow_and_is_half_way_at_mid_schedule() -> None:
    assert rules.planned_progress(START, END, date(2025, 12, 1)) == 0.0
    assert rules.planned_progress(START, END, date(2027, 1, 5)) == 100.0
    assert abs(rules.planned_progress(START, END, date(2026, 7, 2)) - 50.0) < 0.5
    early = rules.planned_progress(START, END, date(2026, 2, 1))
    assert 0 < early < 100 * 31 / 364  # slower than a straight line at the start
    values = [rules.planned_progress(START, END, date(2026, m, 1)) for m in range(1, 13)]
    assert values == sorted(values)


def test_a_project_is_delayed_when_behind_plan_by_more_than_the_threshold_or_past_its_end() -> None:
    assert rules.delay(40.0, 49.0, END, date(2026, 7, 1)) == (False, None)
    late, why = rules.delay(30.0, 49.0, END, date(2026, 7, 1))
    assert late and "tertinggal 19,0 poin" in why and "19.0 points behind" in why
    late, why = rules.delay(95.0, 100.0, END, date(2027, 1, 2))
    assert late and "melewati rencana selesai 31-12-2026" in why
    assert rules.delay(100.0, 100.0, END, date(2027, 1, 2)) == (False, None)


def test_progress_may_go_down_only_as_a_correction_with_a_note() -> None:
    kwargs = {"on": date(2026, 6, 1), "start": START, "today": date(2026, 6, 2)}
    assert rules.progress_problems(40.0, 45.0, 40.0, correction=False, note=None, **kwargs) == []
    assert "tidak boleh turun" in rules.progress_problems(40.0, 35.0, 30.0, correction=False, note=None, **kwargs)[0]
    assert "tuliskan alasannya" in rules.progress_problems(40.0, 35.0, 30.0, correction=True, note=" ", **kwargs)[0]
    assert rules.progress_problems(40.0, 35.0, 30.0, correction=True, note="salah ketik", **kwargs) == []
    future = rules.progress_problems(None, 10.0, 5.0, correction=False, note=None, on=date(2026, 6, 9),
                                     start=START, today=date(2026, 6, 2))
    assert "masa depan" in future[0]


def test_stage_rules_keep_methods_and_money_straight() -> None:
    assert "tidak melalui tender" in rules.stage_problems("procurement", "tender", {"metode": "swakelola"})[0]
    assert "harus melalui tender" in rules.stage_problems("procurement", "construction", {"metode": "tender"})[0]
    over = rules.stage_problems("tender", "construction", {"metode": "tender", "pagu": 1_000_000_000.0,
                                                           "nilai_kontrak": 1_200_000_000.0, "jumlah_peserta": 3})
    assert over == ["nilai kontrak Rp1.200.000.000 melebihi pagu Rp1.000.000.000"]
    assert "serah terima setelah 100%" in rules.stage_problems("construction", "done", {"progres_fisik": 90.0})[0]
