#!/usr/bin/env bash
# Idempotent set-up of the peers for benchmarks/bench_ogcapi.py:
#   benchmarks/.venvs/tipg      tipg + uvicorn + gunicorn
#   benchmarks/.venvs/pygeoapi  pygeoapi (PostgreSQL + MVT-postgresql providers) + gunicorn
#   wrk (Debian package) as the load generator
# A venv is (re)installed only when its requirements file changed since the last install.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venvs="$(dirname "$here")/.venvs"
python="${PYTHON:-python3}"
mkdir -p "$venvs"

for name in tipg pygeoapi; do
    req="$here/$name.requirements.txt"
    venv="$venvs/$name"
    stamp="$venv/.requirements.sha256"
    want="$(sha256sum "$req" | cut -d' ' -f1)"
    if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        echo "peers: $name is set up ($venv)"
        continue
    fi
    echo "peers: installing $name into $venv"
    [[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
    echo "$want" > "$stamp"
done

if ! command -v wrk >/dev/null 2>&1; then
    if [[ "$(id -u)" == 0 ]]; then
        echo "peers: installing wrk (Debian)"
        apt-get install -y -q wrk >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
    else
        echo "peers: wrk is missing; install it with: sudo apt-get install wrk" >&2
        exit 1
    fi
fi
echo "peers: wrk $(wrk -v 2>&1 | head -1 | cut -d' ' -f2)"
