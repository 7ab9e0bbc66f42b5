"""One benchmark, two commits, one run: the previous commit's figures beside this one's.

    PYTHONPATH=. .venv/bin/python benchmarks/compare.py HEAD~1 -- bench_import.py --points 100000
    PYTHONPATH=. .venv/bin/python benchmarks/compare.py 6668237 HEAD -- bench_ogcapi.py --servers platform --skip-setup
    PYTHONPATH=. .venv/bin/python benchmarks/compare.py --both-orders HEAD~1 -- bench_ogcapi.py --servers platform

Each commit is exported with `git archive` into benchmarks/out/src-<commit>
(so uncommitted edits cannot leak into either side) and the benchmark script
of that commit runs from there, with this work tree's virtualenv and on the
same database server: first the old commit, then the new one, back to back.
With --both-orders the two run again in the other order (old, new, new, old):
on one machine the second of two back-to-back runs tends to be the slower one,
and the mean of the change in both orders cancels that bias. Both reports are
printed in full, then every table row the two have in common
(by its names, else by its position when both reports have the same rows)
is printed once with each changed figure as `old → new` and, in the last
column, the change of the row's first changed figure (for bench_ogcapi the
rate, for bench_import the median seconds).

The database is passed to both runs as --database-url (the script's own
default database on the configured server, as the work tree computes it), so
both read the same data; the benchmark scripts never touch another database.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "benchmarks" / "out"
DEFAULT_DATABASES = {"bench_ogcapi.py": "medan_bench_ogc", "bench_import.py": "medan_bench"}
NUMBER = re.compile(r"^[-+]?[\d,]*\.?\d+(?:[eE][-+]?\d+)?[a-z%×]*$")


def snapshot(revision: str) -> tuple[str, Path]:
    """The committed tree of `revision`, extracted once into benchmarks/out/src-<commit>."""
    commit = subprocess.run(["git", "rev-parse", "--short=12", revision], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.strip()
    src = OUT_DIR / f"src-{commit}"
    if not (src / "benchmarks").is_dir():
        src.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=ROOT, check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
    return commit, src


def default_database_url(script: str) -> str | None:
    name = DEFAULT_DATABASES.get(script)
    if name is None:
        return None
    from config.settings import get_settings
    from geodata.cluster import database_on_server

    return database_on_server(get_settings(), name)


def run(src: Path, script: str, args: list[str]) -> str:
    """Run the benchmark of one snapshot, echoing its report as it comes; return the report."""
    env = {**os.environ, "PYTHONPATH": str(src), "BENCH_OGCAPI_HOME": str(ROOT)}
    process = subprocess.Popen([sys.executable, str(src / "benchmarks" / script), *args], cwd=src, env=env,
                               stdout=subprocess.PIPE, text=True)
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        sys.stdout.write(line)
        lines.append(line.rstrip("\n"))
    if process.wait() != 0:
        raise SystemExit(f"{script} in {src} failed with exit code {process.returncode}")
    return "\n".join(lines)


def cells(line: str) -> list[str] | None:
    """A table row's cells (markdown `| a | b |` or columns two spaces apart), else None."""
    if line.startswith("|") and not set(line) <= set("|-: "):
        return [c.strip() for c in line.strip().strip("|").split("|")]
    parts = re.split(r"\s{2,}", line.strip())
    if len(parts) >= 3 and any(NUMBER.match(p) for p in parts[1:]):
        return parts
    return None


def _value(cell: str) -> float | None:
    return float(re.sub(r"[^\d.eE+-]", "", cell)) if NUMBER.match(cell) else None


def row_key(row: list[str]) -> tuple[str, ...]:
    """What names a row: its cells that are not measurements (names, and small counts like concurrency)."""
    return tuple(c for c in row if _value(c) is None or (c.isdigit() and len(c) <= 3))


def paired_rows(old: str, new: str) -> list[tuple[list[str], float | None]]:
    """Each table row of `new` with its row in `old`: the cells as `old → new`, and the change of
    the row's first changed figure (for bench_ogcapi the rate, for bench_import the median)."""
    old_rows: dict[tuple[str, ...], list[str]] = {}
    old_in_order = []
    for line in old.splitlines():
        row = cells(line)
        if row:
            old_rows.setdefault(row_key(row), row)
            old_in_order.append(row)
    new_rows = [row for row in map(cells, new.splitlines()) if row]
    paired = []
    for position, row in enumerate(new_rows):
        # A row renamed between the commits (a label naming a moved module) pairs by position.
        before = old_rows.get(row_key(row))
        if before is None and len(old_in_order) == len(new_rows):
            before = old_in_order[position]
        if before is None or len(before) != len(row):
            continue
        shown, change = [], None
        for a, b in zip(before, row, strict=True):
            va, vb = _value(a), _value(b)
            shown.append(f"{a} → {b}" if a != b else b)
            if va is not None and vb is not None and a != b and change is None and va:
                change = 100 * (vb - va) / va
        paired.append((shown, change))
    return paired


def _percent(change: float | None) -> str:
    return "" if change is None else f"{change:+.1f} %"


def side_by_side(old: str, new: str, old_name: str, new_name: str) -> str:
    out = [f"## {old_name} → {new_name}", ""]
    out += ["| " + " | ".join([*shown, _percent(change)]) + " |" for shown, change in paired_rows(old, new)]
    return "\n".join(out)


def both_orders(first: tuple[str, str], second: tuple[str, str], old_name: str, new_name: str) -> str:
    """Rows of an old-new-new-old run: the change measured in each order and their mean.

    On one machine the second of two back-to-back runs tends to be slower (the first
    one's writes, caches and vacuum debt); running both orders cancels that bias.
    """
    out = [f"## {old_name} → {new_name}, in both orders (old first, new first, mean)", ""]
    for (shown, one), (_, two) in zip(paired_rows(*first), paired_rows(*second), strict=False):
        mean = None if one is None or two is None else (one + two) / 2
        out.append("| " + " | ".join([*shown, _percent(one), _percent(two), _percent(mean)]) + " |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--" not in argv:
        raise SystemExit("usage: compare.py OLD_REV [NEW_REV] -- SCRIPT [ARGS ...]")
    split = argv.index("--")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old")
    parser.add_argument("new", nargs="?", default="HEAD")
    parser.add_argument("--both-orders", action="store_true",
                        help="run old, new, new, old and report the change in each order and their mean")
    args = parser.parse_args(argv[:split])
    script, *rest = argv[split + 1:]
    if "--database-url" not in rest and (url := default_database_url(script)):
        rest += ["--database-url", url]
    (old_commit, old_src), (new_commit, new_src) = snapshot(args.old), snapshot(args.new)
    print(f"# {script}: {old_commit} (old), then {new_commit} (new)\n", flush=True)
    old_report = run(old_src, script, rest)
    new_report = run(new_src, script, rest)
    if not args.both_orders:
        print("\n" + side_by_side(old_report, new_report, old_commit, new_commit))
        return 0
    print(f"# {script}: then {new_commit} (new) again, then {old_commit} (old) again\n", flush=True)
    new_again = run(new_src, script, rest)
    old_again = run(old_src, script, rest)
    print("\n" + both_orders((old_report, new_report), (old_again, new_again), old_commit, new_commit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
