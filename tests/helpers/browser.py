"""A real Chromium (Debian's, through Playwright) and a live server for the browser tests of every face."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from config.settings import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
READY_TIMEOUT_MS = 20_000


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """`app` served from a thread on a free port of 127.0.0.1, for a real browser; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


# Package scope: a live sync Playwright keeps an event loop running in this
# thread, which would break asyncio.run() in every later test (devices).
@contextmanager
def launched_chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright (the test is skipped where it is not installed)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Session:
    """A page plus what it logged and asked for."""

    page: Any
    base: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def open(self, path: str = "/peta") -> Any:
        self.page.goto(self.base + path)
        self.page.wait_for_selector("body[data-ready=true]", timeout=READY_TIMEOUT_MS)
        return self.page

    def foreign_requests(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(("http://127.0.0.1:", "data:", "blob:"))]

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"))

    def evaluate(self, script: str, arg: Any = None) -> Any:
        return self.page.evaluate(script, arg)


def new_session(browser: Any, base: str, **context_options: Any) -> Session:
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 800}, **context_options})
    page = context.new_page()
    page.set_default_timeout(15_000)
    session = Session(page, base)
    page.on("console", lambda m: session.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: session.errors.append(f"uncaught: {e}"))
    page.on("request", lambda r: session.requests.append(r.url))
    return session


def log_in(page: Any, base: str, username: str, next_url: str, password: str | None = None) -> None:
    """Log in through the login page and land on `next_url` once its script says it is ready."""
    from tests.helpers.accounts import PASSWORD

    page.goto(f"{base}/login?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_selector("body[data-ready=true]")
