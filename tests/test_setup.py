"""`./medan` installs what its tools need on a fresh Debian 12, as their makers list it.

On a minimal Debian 12 root every browser test errored: Playwright's bundled
Node.js driver links libatomic.so.1, which nothing installed. Playwright ships
its own list of Debian 12 packages per browser (the registry's nativeDeps);
the set-up must cover it, plus what the driver binary itself links. Planners
open notebooks with Jupyter, so `jupyter lab` and `nbconvert` come with the
Python packages.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import playwright
import pytest

from config.settings import PROJECT_ROOT

DRIVER = Path(playwright.__file__).parent / "driver"
# Debian packages of the libraries Playwright's node links that every Debian root has (libc6, libstdc++6,
# libgcc-s1: apt and python3 depend on them).
IN_EVERY_DEBIAN = {"libc6", "libstdc++6", "libgcc-s1"}


def medan_apt_packages() -> set[str]:
    """The packages ./medan installs: its APT_PACKAGES and the arrays it adds to them."""
    script = (PROJECT_ROOT / "medan").read_text()
    arrays = dict(re.findall(r"^(\w+)=\(([^)]*)\)", script, flags=re.M))
    added = re.findall(r'^APT_PACKAGES\+=\("\$\{(\w+)\[@\]\}"\)', script, flags=re.M)
    return {name for key in ["APT_PACKAGES", *added] for name in arrays[key].split()}


def playwright_debian12(kind: str) -> list[str]:
    """One list ("chromium", "tools") of Playwright's native dependencies for debian12-x64."""
    bundle = next(p for p in (DRIVER / "package" / "lib").rglob("*.js") if '"debian12-x64"' in p.read_text())
    text = bundle.read_text()
    block = text[text.index('"debian12-x64"'):]
    listed = re.search(kind + r"\s*:\s*\[(.*?)\]", block, flags=re.S)
    assert listed, f"no {kind} list for debian12-x64 in {bundle}"
    return re.findall(r'"([^"]+)"', listed.group(1))


def test_medan_installs_playwrights_own_list_for_chromium_on_debian_12() -> None:
    wanted = set(playwright_debian12("chromium")) | set(playwright_debian12("tools")) - {"xvfb"}
    assert len(wanted) > 20
    assert wanted - medan_apt_packages() == set()


@pytest.mark.skipif(not shutil.which("dpkg") or not shutil.which("ldd"), reason="needs Debian's dpkg and ldd")
def test_medan_installs_every_library_playwrights_driver_links() -> None:
    linked = re.findall(r"=> (/\S+)", subprocess.run(["ldd", str(DRIVER / "node")], capture_output=True,
                                                     text=True, check=True).stdout)
    owners = set()
    for library in linked:
        path = str(Path(library).resolve())
        # On a merged-/usr system dpkg may know a library as /lib/... or as /usr/lib/...
        for candidate in (path, path.removeprefix("/usr"), "/usr" + path):
            found = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
            if found.returncode == 0:
                owners.add(found.stdout.split(":")[0])
                break
        else:
            pytest.fail(f"no Debian package owns {library}")
    assert "libatomic1" in owners
    assert owners - IN_EVERY_DEBIAN - medan_apt_packages() == set()


def test_jupyter_lab_and_nbconvert_come_with_the_python_packages() -> None:
    pinned = {line.split("==")[0].lower() for line in (PROJECT_ROOT / "requirements.txt").read_text().splitlines()
              if "==" in line and not line.startswith("#")}
    assert {"jupyterlab", "nbconvert", "nbclient", "ipykernel"} <= pinned
    for tool in ("jupyter-lab", "jupyter-nbconvert"):
        assert (Path(sys.executable).parent / tool).exists(), tool
