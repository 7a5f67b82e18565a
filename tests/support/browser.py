"""Headless Chromium driven over the DevTools protocol: open a page, read its DOM, catch console errors, screenshot."""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import require


def wait_for(what: str, probe: Callable[[], Any], seconds: float, logs: tuple[Path, ...] = ()) -> Any:
    """Poll `probe` until it returns something truthy; fail naming `what` (and the server logs) at the deadline."""
    deadline = time.monotonic() + seconds
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            tails = "\n".join(f"--- {p.name}:\n{p.read_text(errors='replace')[-3000:]}" for p in logs if p.exists())
            pytest.fail(f"{what}: not reached within {seconds:.0f} s\n{tails}")
        time.sleep(0.2)


def chromium_path() -> str:
    """The chromium binary; in CI a missing browser fails the test, elsewhere it skips with the reason."""
    binary = shutil.which("chromium")
    require(None if binary else "chromium is not installed (apt-get install chromium)")
    return binary


class Chromium:
    """One headless Chromium tab. Console errors, uncaught exceptions and failed loads are collected in
    ``problems`` from the moment the tab opens; requests that leave the machine are in ``requests``."""

    def __init__(self, binary: str, profile: Path, *, width: int = 1400, height: int = 900):
        profile.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        port_file = profile / "DevToolsActivePort"
        port = wait_for("Chromium DevTools port", lambda: port_file.exists() and port_file.read_text().split()[:1], 30)[0]
        pages = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
        from websockets.sync.client import connect

        self.ws = connect(next(p for p in pages if p["type"] == "page")["webSocketDebuggerUrl"], max_size=None)
        self.ids = itertools.count(1)
        self.problems: list[str] = []
        self.requests: list[str] = []
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.call(f"{domain}.enable")

    def _note(self, event: dict) -> None:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.problems.append("console: " + " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
        elif method == "Runtime.exceptionThrown":
            self.problems.append("exception: " + params["exceptionDetails"].get("text", ""))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            self.problems.append("log: " + params["entry"].get("text", "") + " " + params["entry"].get("url", ""))
        elif method == "Network.loadingFailed":
            self.problems.append("load failed: " + params.get("errorText", ""))
        elif method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if not url.startswith(("file:", "data:", "about:", "blob:")):
                self.requests.append(url)

    def call(self, method: str, **params: Any) -> dict:
        message_id = next(self.ids)
        self.ws.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=60))
            if message.get("id") == message_id:
                assert "error" not in message, f"{method}: {message['error']}"
                return message["result"]
            self._note(message)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (JSON-serialisable results only)."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, f"{expression}: {result['exceptionDetails']}"
        return result["result"].get("value")

    def text(self) -> str:
        return self.evaluate("document.body ? document.body.innerText : ''") or ""

    def open(self, url: str, ready: Callable[[str], Any], seconds: float = 90) -> Any:
        self.call("Page.navigate", url=url)
        return wait_for(f"page {url} showing what we expect", lambda: ready(self.text()), seconds)

    def open_file(self, path: Path, seconds: float = 30) -> None:
        """Open a local HTML file and wait until it has loaded completely."""
        self.call("Page.navigate", url=path.resolve().as_uri())
        wait_for(f"{path} loaded", lambda: self.evaluate("document.readyState") == "complete", seconds)
        self.call("Runtime.evaluate", expression="0")  # drain events queued during the load

    def screenshot(self, path: Path, *, full_page: bool = False) -> Path:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", **params)["data"]))
        return path

    def close(self) -> None:
        self.ws.close()
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
