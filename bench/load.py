"""Load test of the platform: ``python -m bench.load`` (``make load``; not part of ``make test``).

On PostgreSQL (the project's own server, ``scripts/postgres.sh``, durability settings at
PostgreSQL's defaults) in a fresh database ``samen_load``, with the platform behind gunicorn
(``--workers`` gthread worker processes of ``--threads`` threads, the application loaded
before they fork, connections kept open between requests as from a reverse proxy with upstream
keep-alive; ``--worker-class sync`` for sync workers and a new connection for every request):

1. seed an open round with ``--schools`` schools and ``--families`` families, each signed in
   (a session, as after the e-mail code) with one child and a list of ``--choices`` schools;
2. **surge**: ``--rate`` submissions a second for ``--duration`` seconds, open loop (request *i*
   leaves at *i*/rate, whatever the answers before it), each a parent's new ranked list as the
   drag-and-drop form sends it (``POST /children/ID/choices/order/`` with the session cookie, the
   CSRF cookie, the masked CSRF token and an Origin header); prints throughput and p50/p95/p99
   latency, and checks that every acknowledged submission is in the database;
3. **crash**: the same surge for ``--crash-duration`` seconds, but after ``--kill-at`` seconds
   the whole server (master and workers) gets SIGKILL and is started again; every acknowledged
   (2xx/3xx) submission must be in the database afterwards.

Before the surge a few families load their child's page and submit with the token from that
page, to show the synthetic requests are what a browser sends. Exit status 1 when a check fails.
The figures are recorded in docs/testing.md.

The client is a small HTTP/1.1 client on asyncio's transports (:class:`Client`): it only
measures, so it should take little of the CPU the server needs (it took 1.5 ms a submission
with aiohttp, 0.2 ms now). It records every answer (status and Location) for the checks.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import dataclasses
import os
import random
import re
import secrets
import signal
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "samen_load"
CSRF_CHARS = string.ascii_letters + string.digits
SECRET_KEY = "load-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"


@dataclasses.dataclass
class Family:
    child: int
    session: str
    csrf_secret: str
    token: str
    codes: list[str]
    #: the list the database should hold now
    order: list[str]


@dataclasses.dataclass
class Submission:
    family: int
    order: list[str]
    #: when it was due to leave (open loop: start + i / rate), when it left, when answered
    due: float = 0.0
    sent: float = 0.0
    done: float = 0.0
    status: int = 0
    location: str = ""
    error: str = ""

    @property
    def acknowledged(self) -> bool:
        return 200 <= self.status < 400


# --------------------------------------------------------------------------- set-up


def postgres(action: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(ROOT / "scripts" / "postgres.sh"), action], capture_output=True, text=True
    )


def start_postgres() -> tuple[str, bool]:
    """The server's URL, and whether it ran already (then it is left running at the end)."""
    running = postgres("status").returncode == 0
    out = postgres("start")
    if out.returncode != 0:
        raise RuntimeError(f"scripts/postgres.sh start failed:\n{out.stderr}")
    return out.stdout.strip().splitlines()[-1], running


def fresh_database(url: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    return url.rsplit("/", 1)[0] + "/" + DATABASE


def environment(url: str, data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAMEN_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "samen.web.settings",
            "SAMEN_DATABASE_URL": url,
            "SAMEN_DATA_DIR": str(data),
            "SAMEN_SECRET_KEY": SECRET_KEY,
            "SAMEN_DEBUG": "0",
            "SAMEN_HTTPS": "0",
            "SAMEN_LOG_LEVEL": "WARNING",
        }
    )
    return env


def csrf_token(secret: str) -> str:
    """A masked CSRF token for ``secret``, as Django puts in every form."""
    mask = "".join(secrets.choice(CSRF_CHARS) for _ in range(32))
    pairs = zip(
        (CSRF_CHARS.index(x) for x in secret), (CSRF_CHARS.index(x) for x in mask), strict=True
    )
    return mask + "".join(CSRF_CHARS[(x + y) % len(CSRF_CHARS)] for x, y in pairs)


def seed(n_families: int, n_schools: int, n_choices: int, rng: random.Random) -> list[Family]:
    """An open round, its schools, and families signed in with one child and a list each."""
    import datetime as dt

    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone

    from samen.web.core import backends
    from samen.web.core.models import Child, Choice, Round, School, new_public_id
    from samen.web.core.sessions import SessionStore

    User = get_user_model()
    now = timezone.now()
    with transaction.atomic():
        rnd = Round.objects.create(
            slug="load-2027",
            name="Load 2027",
            status=Round.OPEN,
            default_pools=[{"name": "all", "share": "1", "favours": "", "order_by": "lottery"}],
            registration_opens=now - dt.timedelta(days=1),
            registration_closes=now + dt.timedelta(days=10),
        )
        side = max(1, int(n_schools**0.5))
        schools = School.objects.bulk_create(
            School(
                round=rnd,
                code=f"S{k:03d}",
                name=f"School {k}",
                capacity=max(20, n_families // n_schools),
                x=1000.0 * (k % side),
                y=1000.0 * (k // side),
                seq=k,
            )
            for k in range(n_schools)
        )
        users = User.objects.bulk_create(
            User(username=f"p{k}@load.test", email=f"p{k}@load.test", password="!unusable")
            for k in range(n_families)
        )
        children = Child.objects.bulk_create(
            Child(
                round=rnd,
                parent=u,
                public_id=new_public_id(),
                seq=k,
                first_name=f"Kind{k}",
                last_name="Load",
                birth_date=dt.date(2024, 1, 1),
                x=rng.uniform(0, 1000.0 * side),
                y=rng.uniform(0, 1000.0 * side),
                flags={},
            )
            for k, u in enumerate(users)
        )
        lists = [rng.sample(schools, n_choices) for _ in children]
        Choice.objects.bulk_create(
            (
                Choice(child=c, school=s, rank=r)
                for c, chosen in zip(children, lists, strict=True)
                for r, s in enumerate(chosen, start=1)
            ),
            batch_size=5000,
        )
        store = SessionStore()
        key_chars = string.ascii_lowercase + string.digits  # as Django makes session keys
        expire = now + dt.timedelta(days=14)
        families, sessions = [], []
        for u, c, chosen in zip(users, children, lists, strict=True):
            key = "".join(rng.choice(key_chars) for _ in range(32))
            data = {
                SESSION_KEY: str(u.pk),
                BACKEND_SESSION_KEY: backends.PATH,  # as the sign-in records it
                HASH_SESSION_KEY: u.get_session_auth_hash(),
            }
            sessions.append(
                Session(session_key=key, session_data=store.encode(data), expire_date=expire)
            )
            secret = "".join(rng.choice(CSRF_CHARS) for _ in range(32))
            codes = [s.code for s in chosen]
            families.append(Family(c.pk, key, secret, csrf_token(secret), codes, list(codes)))
        Session.objects.bulk_create(sessions, batch_size=5000)
    return families


def database_orders(families: list[Family]) -> list[list[str]]:
    """Each family's list as the database holds it."""
    from samen.web.core.models import Choice

    by_child: dict[int, list[tuple[int, str]]] = {}
    rows = Choice.objects.filter(child_id__in=[f.child for f in families]).values_list(
        "child_id", "rank", "school__code"
    )
    for child, rank, code in rows.iterator(chunk_size=20000):
        by_child.setdefault(child, []).append((rank, code))
    return [[code for _, code in sorted(by_child.get(f.child, []))] for f in families]


# --------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """gunicorn in a process group of its own, so a crash takes the workers down too."""

    def __init__(
        self,
        env: dict[str, str],
        port: int,
        workers: int,
        kind: str,
        threads: int,
        preload: bool,
        log: Path,
    ) -> None:
        self.env, self.port, self.workers, self.log = env, port, workers, log
        self.kind, self.threads, self.preload = kind, threads, preload
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, answering: bool = True) -> float:
        """Start it; wait until it listens and, with ``answering``, until the application
        answers (``/favicon.ico``). The seconds that took."""
        began = time.monotonic()
        gunicorn = Path(sys.executable).with_name("gunicorn")
        cmd = [
            str(gunicorn) if gunicorn.exists() else "gunicorn",
            "samen.web.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            self.kind,
            "--threads",
            str(self.threads),
            "--backlog",
            "2048",
            "--keep-alive",
            "75",
            "--timeout",
            "60",
            "--log-level",
            "warning",
            *(["--preload"] if self.preload else []),
        ]
        with open(self.log, "ab") as fh:
            self.proc = subprocess.Popen(
                cmd, env=self.env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.wait_ready()
        if answering:
            self.wait_answering()
        return time.monotonic() - began

    def wait_answering(self, timeout: float = 60) -> None:
        import http.client

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            try:
                conn.request("GET", "/favicon.ico")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            finally:
                conn.close()
            time.sleep(0.05)
        raise RuntimeError(f"the application did not answer within {timeout} s; see {self.log}")

    def wait_ready(self, timeout: float = 60) -> None:
        """Until the master listens (requests then wait in the backlog for the workers)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn stopped; see {self.log}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"gunicorn did not listen within {timeout} s; see {self.log}")

    def kill(self) -> None:
        """SIGKILL to the master and every worker at once: a crash, nothing is cleaned up."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


# --------------------------------------------------------------------------- the client


def new_order(family: Family, rng: random.Random) -> list[str]:
    order = list(family.order)
    while order == family.order and len(order) > 1:
        rng.shuffle(order)
    return order


def order_request(family: Family, order: list[str], token: str) -> tuple[str, bytes]:
    """The path and the form body a parent's browser posts for a new order of the list."""
    body = f"csrfmiddlewaretoken={token}&order={','.join(order)}".encode()
    return f"/children/{family.child}/choices/order/", body


def raw_post(base: str, family: Family, sub: Submission, token: str, close: bool) -> bytes:
    """The bytes of that POST as a browser sends them: the session and CSRF cookies, the masked
    CSRF token in the form, an Origin header."""
    path, body = order_request(family, sub.order, token)
    host = base.split("://", 1)[1]
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\n"
        f"Cookie: sessionid={family.session}; csrftoken={family.csrf_secret}\r\n"
        f"Origin: {base}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n" + ("Connection: close\r\n" if close else "") + "\r\n"
    )
    return head.encode("latin-1") + body


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection of :class:`Client`: one request at a time, answers read by
    their Content-Length (Django sets it on every answer)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.job: tuple[Submission, bytes] | None = None
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def start(self, job: tuple[Submission, bytes]) -> None:
        assert self.transport is not None
        self.job = job
        self.buffer.clear()
        self.transport.write(job[1])

    def data_received(self, data: bytes) -> None:
        if self.job is None:
            return
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "-1"))
        if length < 0:
            self.finish("no Content-Length", keep=False)
            return
        if len(self.buffer) < end + 4 + length:
            return
        sub = self.job[0]
        sub.status = int(lines[0].split(" ", 2)[1])
        sub.location = headers.get("location", "")
        keep = lines[0].startswith("HTTP/1.1") and headers.get("connection", "") != "close"
        self.finish("", keep=keep)

    def finish(self, error: str, keep: bool) -> None:
        job, self.job = self.job, None
        if job is None:
            return
        job[0].error = error
        job[0].done = time.monotonic()
        self.client.finished(self, keep and not self.lost)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self.job is not None:
            self.finish(type(exc).__name__ if exc else "ServerDisconnected", keep=False)
        else:
            self.client.gone(self)


class Client:
    """A lean HTTP/1.1 client for the surge: at most ``limit`` connections, kept open between
    requests when ``keepalive`` (the server says whether it keeps them), otherwise one for each
    request; requests wait for a free connection in the order they were sent. A request still
    unanswered ``timeout`` seconds after it was sent is given up (``TimeoutError``)."""

    def __init__(
        self, host: str, port: int, limit: int, keepalive: bool, total: int, timeout: float = 60
    ) -> None:
        self.host, self.port, self.limit, self.keepalive = host, port, limit, keepalive
        self.timeout = timeout
        self.idle: list[_Connection] = []
        self.busy: set[_Connection] = set()
        self.opening = 0
        self.waiting: collections.deque[tuple[Submission, bytes]] = collections.deque()
        self.left = total
        self.all_done = asyncio.get_running_loop().create_future()
        self.reaper = asyncio.get_running_loop().create_task(self._reap())

    def send(self, job: tuple[Submission, bytes]) -> None:
        """Send now if a connection is free (or may be opened), else queue."""
        if self.idle:
            conn = self.idle.pop()  # the most recently used: the fewest connections stay busy
            self.busy.add(conn)
            conn.start(job)
        elif len(self.busy) + self.opening < self.limit:
            self.opening += 1
            asyncio.get_running_loop().create_task(self._connect(job))
        else:
            self.waiting.append(job)

    async def _connect(self, job: tuple[Submission, bytes]) -> None:
        loop = asyncio.get_running_loop()
        left = job[0].sent + self.timeout - time.monotonic()
        try:
            _, conn = await asyncio.wait_for(
                loop.create_connection(lambda: _Connection(self), self.host, self.port), left
            )
        except (OSError, TimeoutError) as exc:
            self.opening -= 1
            job[0].error = type(exc).__name__
            job[0].done = time.monotonic()
            self._count()
            self._next()
            return
        self.opening -= 1
        self.busy.add(conn)
        conn.start(job)

    def finished(self, conn: _Connection, keep: bool) -> None:
        self._count()
        if keep and self.keepalive:
            if self.waiting:
                conn.start(self.waiting.popleft())
                return
            self.busy.discard(conn)
            self.idle.append(conn)
        else:
            self.busy.discard(conn)
            if conn.transport is not None:
                conn.transport.close()
            self._next()

    def gone(self, conn: _Connection) -> None:
        """An idle connection closed by the server."""
        if conn in self.idle:
            self.idle.remove(conn)
        self.busy.discard(conn)

    def _next(self) -> None:
        if self.waiting:
            self.send(self.waiting.popleft())

    def _count(self) -> None:
        self.left -= 1
        if self.left == 0 and not self.all_done.done():
            self.all_done.set_result(None)

    async def _reap(self) -> None:
        """Give up requests unanswered (or still waiting for a connection) after ``timeout``."""
        while True:
            await asyncio.sleep(0.5)
            now = time.monotonic()
            while self.waiting and self.waiting[0][0].sent + self.timeout < now:
                sub, _ = self.waiting.popleft()
                sub.error, sub.done = "TimeoutError", now
                self._count()
            for conn in list(self.busy):
                if conn.job is not None and conn.job[0].sent + self.timeout < now:
                    conn.lost = True
                    conn.finish("TimeoutError", keep=False)
                    if conn.transport is not None:
                        conn.transport.abort()

    def close(self) -> None:
        self.reaper.cancel()
        for conn in [*self.idle, *self.busy]:
            if conn.transport is not None:
                conn.transport.abort()


def browser_like(base: str, families: list[Family]) -> list[Submission]:
    """Families that load their child's page first and post the token from that page (with
    the standard library's HTTP client: this is about what is sent, not about speed)."""
    import http.client
    from http.cookies import SimpleCookie

    host, port = base.split("://", 1)[1].split(":")
    subs = []
    for k, f in enumerate(families):
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        conn.request("GET", f"/children/{f.child}/", headers={"Cookie": f"sessionid={f.session}"})
        r = conn.getresponse()
        html = r.read().decode()
        assert r.status == 200, (r.status, html[:300])
        cookies: SimpleCookie = SimpleCookie()
        for header in r.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
        assert "csrftoken" in cookies, "no CSRF cookie on the child's page"
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert found, "no CSRF token in the child's page"
        f.csrf_secret = cookies["csrftoken"].value
        sub = Submission(k, list(reversed(f.order)))
        path, body = order_request(f, sub.order, found.group(1))
        headers = {
            "Cookie": f"sessionid={f.session}; csrftoken={f.csrf_secret}",
            "Origin": base,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        sub.sent = time.monotonic()
        conn.request("POST", path, body=body, headers=headers)
        r = conn.getresponse()
        r.read()
        sub.done = time.monotonic()
        sub.status, sub.location = r.status, r.getheader("Location", "")
        conn.close()
        subs.append(sub)
    return subs


async def surge(
    base: str,
    families: list[Family],
    start: int,
    rate: float,
    duration: float,
    concurrency: int,
    rng: random.Random,
    at: tuple[float, Any] | None = None,
    keepalive: bool = False,
) -> tuple[list[Submission], float]:
    """Open loop: submission i leaves at i / rate seconds (its ``sent`` is when it left, so
    waiting for a free connection counts in its latency). ``at`` = (seconds, action) runs the
    action (in a thread) that long after the start, while the surge goes on."""
    n = int(rate * duration)
    subs = [Submission((start + i) % len(families), []) for i in range(n)]
    jobs = []
    for s in subs:
        f = families[s.family]
        s.order = new_order(f, rng)
        jobs.append(raw_post(base, f, s, f.token, close=not keepalive))
    host, port = base.split("://", 1)[1].split(":")
    loop = asyncio.get_running_loop()
    client = Client(host, int(port), concurrency, keepalive, n)
    t0 = loop.time() + 0.2
    nxt = 0

    def tick() -> None:
        nonlocal nxt
        now = loop.time()
        while nxt < n and t0 + nxt / rate <= now:
            subs[nxt].due = t0 + nxt / rate
            subs[nxt].sent = time.monotonic()
            client.send((subs[nxt], jobs[nxt]))
            nxt += 1
        if nxt < n:
            loop.call_at(t0 + nxt / rate, tick)

    action: list[asyncio.Future[Any]] = []
    if at is not None:
        loop.call_at(t0 + at[0], lambda: action.append(loop.run_in_executor(None, at[1])))
    began = time.monotonic()
    loop.call_at(t0, tick)
    if n:
        await client.all_done
    while at is not None and not action:
        await asyncio.sleep(0.1)
    for fut in action:
        await fut
    elapsed = time.monotonic() - began
    client.close()
    return subs, elapsed


# --------------------------------------------------------------------------- figures and checks


def cpu_seconds() -> dict[str, float]:
    """CPU time used so far by this client, the server (gunicorn), PostgreSQL, and the whole
    machine (to see load from elsewhere). Linux only; empty elsewhere."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    out = {"client": 0.0, "server": 0.0, "postgres": 0.0, "machine": 0.0}
    try:
        with open("/proc/stat") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
        out["machine"] = (sum(fields[:8]) - fields[3] - fields[4]) / tick
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/stat") as fh:
                    parts = fh.read().rsplit(")", 1)
                comm = parts[0].split("(", 1)[1]
                st = parts[1].split()
                with open(f"/proc/{pid}/cmdline", "rb") as fh:
                    cmd = fh.read()
            except OSError:
                continue
            # its own time and that of its children that ended (PostgreSQL's backends and
            # gunicorn's workers come and go)
            used = sum(int(x) for x in st[11:15]) / tick
            if int(pid) == os.getpid():
                out["client"] += used
            elif b"gunicorn" in cmd:
                out["server"] += used
            elif comm.startswith("postgres"):
                out["postgres"] += used
    except OSError:
        return {}
    return out


def cpu_report(before: dict[str, float], after: dict[str, float], n: int, wall: float) -> str:
    if not before or not after or n == 0:
        return ""
    d = {k: after[k] - before[k] for k in before}
    other = d["machine"] - d["client"] - d["server"] - d["postgres"]
    return (
        f"   CPU ms per submission: server {1000 * d['server'] / n:.2f}, "
        f"postgres {1000 * d['postgres'] / n:.2f}, client {1000 * d['client'] / n:.2f}; "
        f"machine busy {100 * d['machine'] / wall / (os.cpu_count() or 1):.0f}% "
        f"(others {100 * other / wall / (os.cpu_count() or 1):.0f}%)"
    )


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))
    return values[k]


def report(title: str, subs: list[Submission], elapsed: float, rate: float) -> dict[str, Any]:
    ok = [s for s in subs if s.acknowledged]
    lat = [1000 * (s.done - s.sent) for s in ok]
    first = min((s.sent for s in subs), default=0.0)
    last = max((s.done for s in ok), default=first)
    span = max(1e-9, last - first)
    errors: dict[str, int] = {}
    for s in subs:
        if not s.acknowledged:
            key = s.error or f"HTTP {s.status}"
            errors[key] = errors.get(key, 0) + 1
    figures = {
        "sent": len(subs),
        "acknowledged": len(ok),
        "throughput": len(ok) / span,
        "p50": percentile(lat, 50),
        "p95": percentile(lat, 95),
        "p99": percentile(lat, 99),
        "max": max(lat, default=float("nan")),
        "mean": statistics.fmean(lat) if lat else float("nan"),
    }
    print(f"\n== {title}")
    print(
        f"   offered {rate:.0f}/s for {len(subs) / rate:.0f} s: {len(subs)} submissions, "
        f"{len(ok)} acknowledged in {span:.1f} s"
    )
    print(f"   throughput {figures['throughput']:.1f} acknowledged submissions/s")
    lag = [1000 * (s.sent - s.due) for s in subs if s.due]
    if lag:
        print(
            f"   left behind schedule (client): p99 {percentile(lag, 99):.1f} ms, "
            f"max {max(lag):.1f} ms"
        )
    print(
        f"   latency ms: p50 {figures['p50']:.1f}  p95 {figures['p95']:.1f}  "
        f"p99 {figures['p99']:.1f}  max {figures['max']:.1f}  mean {figures['mean']:.1f}"
    )
    if errors:
        print("   not acknowledged: " + ", ".join(f"{k} x{v}" for k, v in sorted(errors.items())))
    return figures


def check(title: str, families: list[Family], subs: list[Submission]) -> bool:
    """Every acknowledged submission is in the database.

    A family's list in the database must be one it sent that no acknowledged submission sent
    after its end replaced (so the last acknowledged one, or one in flight at the same time,
    acknowledged or not: a submission cut off by the crash may have been committed just
    before). Families that sent nothing keep their list."""
    from django.db import connection

    connection.close()
    now = database_orders(families)
    by_family: dict[int, list[Submission]] = {}
    for s in subs:
        by_family.setdefault(s.family, []).append(s)
    acked = sum(1 for s in subs if s.acknowledged)
    wrong_answer = [s for s in subs if s.acknowledged and "/children/" not in s.location]
    missing, unacked_committed, untouched_changed = 0, 0, 0
    for k, f in enumerate(families):
        mine = by_family.get(k, [])
        if not mine:
            untouched_changed += now[k] != f.order
            continue
        live = [s for s in mine if not any(t.acknowledged and t.sent > s.done for t in mine)]
        acked_orders = [s.order for s in live if s.acknowledged]
        other_orders = [s.order for s in live if not s.acknowledged]
        if not any(s.acknowledged for s in mine):
            other_orders.append(f.order)  # nothing acknowledged: the old list may stay
        if now[k] in acked_orders:
            pass
        elif now[k] in other_orders:
            unacked_committed += now[k] != f.order
        elif any(s.acknowledged for s in mine):
            missing += 1
        else:
            untouched_changed += 1
        f.order = now[k]
    good = missing == 0 and untouched_changed == 0 and not wrong_answer
    print(
        f"   check ({title}): {acked} acknowledged, {acked - missing} in the database, "
        f"{missing} missing; {unacked_committed} not acknowledged but committed; "
        f"{len(wrong_answer)} acknowledged without reaching the list; "
        f"{untouched_changed} lists changed that nobody sent -> {'OK' if good else 'FAILED'}"
    )
    return good


# --------------------------------------------------------------------------- main


def _arguments() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--families", type=int, default=20_000)
    ap.add_argument("--schools", type=int, default=40)
    ap.add_argument("--choices", type=int, default=5)
    ap.add_argument("--rate", type=float, default=300.0, help="submissions a second")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of the first surge")
    ap.add_argument("--crash-duration", type=float, default=30.0)
    ap.add_argument("--kill-at", type=float, default=10.0, help="seconds into the crash surge")
    ap.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    ap.add_argument(
        "--worker-class",
        choices=["gthread", "sync"],
        default="gthread",
        help="gthread: connections kept open between requests (as from a reverse proxy with "
        "upstream keep-alive); sync: a new connection for every request",
    )
    ap.add_argument("--threads", type=int, default=1, help="threads per gthread worker")
    ap.add_argument(
        "--preload",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="load the application in gunicorn's master before forking the workers",
    )
    ap.add_argument("--concurrency", type=int, default=256, help="requests in flight at most")
    ap.add_argument("--no-crash", action="store_true", help="only the first surge")
    ap.add_argument("--seed", type=int, default=2027)
    return ap


def _crash_surge(
    args: argparse.Namespace,
    server: Server,
    base: str,
    families: list,
    after: int,
    rng: random.Random,
    failures: list[str],
) -> None:
    """The second surge: gunicorn is killed (SIGKILL) and restarted in the middle of it, and
    every acknowledged submission must still be in the database."""
    restarted: dict[str, float] = {}

    def crash() -> None:
        killed = time.monotonic()
        restarted["killed"] = killed
        server.kill()
        restarted["start"] = server.start(answering=False)
        restarted["down"] = time.monotonic() - killed

    server.start()
    start = after % len(families)
    subs2, elapsed2 = asyncio.run(
        surge(
            base,
            families,
            start,
            args.rate,
            args.crash_duration,
            args.concurrency,
            rng,
            at=(args.kill_at, crash),
            keepalive=args.worker_class == "gthread",
        )
    )
    report(
        f"crash: SIGKILL to gunicorn at {args.kill_at:.0f} s, restarted",
        subs2,
        elapsed2,
        args.rate,
    )
    killed = restarted.get("killed", float("nan"))
    back = min((s.done for s in subs2 if s.acknowledged and s.sent > killed), default=killed)
    print(
        f"   killed {sum(1 for s in subs2 if s.sent < killed < s.done)} requests in flight; "
        f"listening again after {restarted.get('down', float('nan')):.1f} s, "
        f"first acknowledged submission after {back - killed:.1f} s"
    )
    server.stop()
    if not check("crash", families, subs2):
        failures.append("an acknowledged submission is lost after the crash")


def main(argv: list[str] | None = None) -> int:
    args = _arguments().parse_args(argv)
    rng = random.Random(args.seed)

    print("samen load test: PostgreSQL, gunicorn", end=" ")
    from importlib.metadata import version

    if args.worker_class == "sync":
        args.threads = 1
    kind = f"{args.worker_class} workers" + (
        f" x {args.threads} threads" if args.threads > 1 else ""
    )
    kind += ", preloaded" if args.preload else ""
    print(f"{version('gunicorn')} ({args.workers} {kind}), Django {version('Django')}")
    base_url, was_running = start_postgres()
    url = fresh_database(base_url)
    data = Path(tempfile.mkdtemp(prefix="samen-load-"))
    env = environment(url, data)
    os.environ.update(env)
    subprocess.run(
        [sys.executable, "-m", "samen.web.manage", "migrate", "--noinput", "-v", "0"],
        env=env,
        check=True,
    )
    import django

    django.setup()
    began = time.monotonic()
    families = seed(args.families, args.schools, args.choices, rng)
    print(
        f"seeded {len(families)} families (sessions, children, lists of {args.choices} "
        f"of {args.schools} schools) in {time.monotonic() - began:.1f} s"
    )
    from django.db import connection

    connection.close()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = data / "gunicorn.log"
    server = Server(env, port, args.workers, args.worker_class, args.threads, args.preload, log)
    failures: list[str] = []
    try:
        server.start()
        real = browser_like(base, families[:20])
        print(
            f"browser-like warm-up: {sum(s.acknowledged for s in real)}/{len(real)} "
            "submissions with the page's own CSRF token acknowledged"
        )
        for s in real:
            if s.acknowledged:
                families[s.family].order = s.order
        # the rest use the token a browser holds from its last page
        for f in families:
            f.token = csrf_token(f.csrf_secret)

        cpu0 = cpu_seconds()
        subs, elapsed = asyncio.run(
            surge(
                base,
                families,
                20,
                args.rate,
                args.duration,
                args.concurrency,
                rng,
                keepalive=args.worker_class == "gthread",
            )
        )
        fig = report("surge", subs, elapsed, args.rate)
        print(cpu_report(cpu0, cpu_seconds(), fig["acknowledged"], elapsed))
        # requests the server still holds (given up by the client) must not land in the check
        server.stop()
        if not check("surge", families, subs):
            failures.append("an acknowledged submission of the surge is not in the database")
        sustained = fig["throughput"] >= 0.97 * args.rate and fig["acknowledged"] == fig["sent"]
        print(
            f"   target {args.rate:.0f}/s: "
            + ("met" if sustained else f"NOT met ({fig['throughput']:.0f}/s acknowledged)")
        )
        if not sustained:
            failures.append(f"the surge did not sustain {args.rate:.0f} submissions/s")

        if not args.no_crash:
            _crash_surge(args, server, base, families, 20 + len(subs), rng, failures)
    finally:
        server.stop()
        from django.db import connection as db

        db.close()
        if not was_running:
            postgres("stop")
    print("\nall checks passed" if not failures else "\nFAILED: " + "; ".join(failures))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
