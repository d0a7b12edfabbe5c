"""A live platform for the browser tests, and Debian's Chromium driven by Playwright.

The site is the real thing, started as an installation would start it: ``samen web migrate``
into a fresh SQLite database in a temporary folder, ``samen web serve`` on a free port and
``samen web worker`` beside it (both processes share the database file, as in the demo).
E-mail goes to the server's console (no mail server is set), so the sign-in codes are read from
the server's output.

Playwright's own browser download does not work everywhere, so the tests use the Chromium of the
operating system (``scripts/browser.sh`` installs Debian's package; ``SAMEN_CHROMIUM`` names
another executable). A missing browser or Playwright is an error, never a skip: CI must not
pass without having run these tests.
"""

from __future__ import annotations

import contextlib
import email
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
OFFICE = "office@samen.test"
SLUG = "browser-2027"
SEPARATOR = "-" * 79


def chromium_executable() -> str:
    path = os.environ.get("SAMEN_CHROMIUM") or shutil.which("chromium") or ""
    if not path or not Path(path).is_file():
        pytest.fail(
            "Chromium is not installed: run scripts/browser.sh (Debian's chromium package), or "
            "set SAMEN_CHROMIUM to a Chromium executable.",
            pytrace=False,
        )
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def samen_command() -> list[str]:
    """``samen`` of the environment the tests run in."""
    script = Path(sys.executable).with_name("samen")
    if script.is_file():
        return [str(script)]
    found = shutil.which("samen")
    if found:
        return [found]
    return [sys.executable, "-c", "from samen.cli import app; app()"]


class Site:
    """The server and the worker, with their output in ``folder``."""

    def __init__(self, folder: Path, env: dict[str, str] | None = None) -> None:
        self.folder = folder
        (folder / "data").mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SAMEN_", "DJANGO_")) and k != "DATABASE_URL"
        }
        self.env.update(
            {
                "SAMEN_DATA_DIR": str(folder / "data"),
                "SAMEN_SECRET_KEY": "browser-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
                "SAMEN_DEBUG": "0",
                "SAMEN_HTTPS": "0",
                "SAMEN_SERVE_STATIC": "1",
                "SAMEN_WORKER_POLL": "0.3",
                "SAMEN_CODES_PER_IP_HOUR": "100",
                "PYTHONUNBUFFERED": "1",
            }
        )
        self.env.update(env or {})
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.logs: dict[str, Path] = {}

    def run(self, *args: str) -> None:
        out = subprocess.run(
            args, env=self.env, cwd=self.folder, capture_output=True, text=True, timeout=120
        )
        if out.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")

    def spawn(self, name: str, *args: str) -> None:
        log = self.folder / f"{name}.log"
        self.logs[name] = log
        with open(log, "wb") as fh:
            self.procs[name] = subprocess.Popen(
                args, env=self.env, cwd=self.folder, stdout=fh, stderr=subprocess.STDOUT
            )

    def start(self, worker: bool = True) -> None:
        """Migrate, seed, serve; with ``worker`` also start the worker (without it, jobs wait
        in the queue until ``spawn("worker", ...)`` starts one)."""
        samen = samen_command()
        self.run(*samen, "web", "migrate")
        self.run(sys.executable, str(Path(__file__).with_name("seed_round.py")), SLUG, OFFICE)
        self.spawn("server", *samen, "web", "serve", "--port", str(self.port))
        if worker:
            self.spawn("worker", *samen, "web", "worker")
        deadline = time.monotonic() + 60
        while True:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"the {name} stopped:\n{self.output(name)}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer:\n{self.output('server')}")
            time.sleep(0.2)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def output(self, name: str) -> str:
        return self.logs[name].read_text(encoding="utf-8", errors="replace")

    # ---- e-mail (Django's console backend in the server's output)

    def mails(self) -> list[Message]:
        found = []
        for chunk in self.output("server").split(SEPARATOR):
            m = re.search(r"^Content-Type: ", chunk, re.MULTILINE)
            if m:
                found.append(email.message_from_string(chunk[m.start() :]))
        return found

    def mails_to(self, address: str) -> list[Message]:
        return [m for m in self.mails() if address in str(m.get("To", ""))]

    def code_for(self, address: str, seen: int, timeout: float = 15) -> str:
        """The code in the first e-mail to ``address`` after the ``seen`` earlier ones."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            mails = self.mails_to(address)
            if len(mails) > seen:
                payload = mails[seen].get_payload(decode=True)
                body = payload.decode("utf-8") if isinstance(payload, bytes) else str(payload)
                found = re.search(r"\b(\d{6})\b", body)
                assert found, body
                return found.group(1)
            time.sleep(0.1)
        raise AssertionError(f"no e-mail to {address}:\n{self.output('server')[-3000:]}")


@contextlib.contextmanager
def live_site(
    name: str = "browser", env: dict[str, str] | None = None, worker: bool = True
) -> Iterator[Site]:
    """A started :class:`Site` (``env`` added to its environment), stopped at the end; its logs
    are kept as ``test-artifacts/NAME-server.log`` (and ``-worker.log``)."""
    folder = Path(tempfile.mkdtemp(prefix=f"samen-{name}-"))
    s = Site(folder, env)
    try:
        s.start(worker=worker)
        yield s
    finally:
        s.stop()
        # keep the logs with the screenshots: they explain a failure in CI
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for proc, log in s.logs.items():
            if log.exists():
                shutil.copy(log, ARTIFACTS / f"{name}-{proc}.log")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with live_site() as s:
        yield s


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # module scope on purpose: Playwright's sync API keeps an event loop running, and Django
    # refuses database calls while one runs, so it must be gone before tests/web starts
    from playwright.sync_api import sync_playwright

    executable = chromium_executable()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def office_totp_code() -> str:
    """The code the office admin's authenticator app shows now (django_otp.oath.totp)."""
    from django_otp.oath import totp

    from .seed_round import OFFICE_TOTP_KEY

    return f"{totp(bytes.fromhex(OFFICE_TOTP_KEY)):06d}"
