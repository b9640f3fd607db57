"""Fan-out benchmark: one need matching 10,000 users, a real worker pool, an SMTP sink.

Run by hand, never as a test (see bench/README.md):

    flock /tmp/bench.lock .venv/bin/python bench/fanout.py --users 10000 --rounds 3

It uses a PostgreSQL database of its own (`fanout`, created and emptied here), starts its own
`redis-server`, postfix's `smtp-sink` and a `celery -A worker worker` pool (prefork,
--concurrency 2) on free loopback ports, loads one requester firm, the matching firms and
their instant users, and then, for each round, approves one pending need through
`board.needs.services.approve_need` in this process and waits until the sink has accepted
every e-mail. In the same run it sends the same messages with a plain smtplib loop over one
connection into the same sink: the ceiling the fan-out is compared with.

How it measures:
- Arrival times: `smtp-sink -c` writes a running counter to its stdout each time it receives
  the "." that ends a message; a thread reads the pipe and stamps each counter value with
  `time.monotonic()`. Time to the first / last e-mail is counter stamp minus the instant just
  before `approve_need` was called. The author's "need approved" e-mail goes through the same
  sink; the outbox rows' `sent_at` tell whether it arrived before the first match e-mail, and
  the figures below are for the match e-mails only.
- Memory: every 0.1 s the RSS (VmRSS in /proc/PID/status) of the worker's main process and of
  each of its children (the pool) is read and summed; the peak of that sum is reported, and
  each process's own peak (the kernel's VmHWM) beside it.
- Ceiling: the board's own messages for the last round's rows (loaded and composed a batch
  at a time by `load_batch` and `Composer`, as the worker does), rendered to bytes beforehand,
  then sent by one `smtplib.SMTP` loop over one connection. Composing time is measured apart
  and printed as well.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The need asks for both; each matching firm has one of these sets (as in the delivery tests).
NEED_COMPETENCES = ("kotlin", "kubernetes")
FIRM_KINDS = (("kotlin",), ("docker", "kubernetes"), ("java", "kotlin", "kubernetes"))
PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# Services started for the run ------------------------------------------------------------


class Sink:
    """postfix's `smtp-sink -c`, with a thread stamping each value of its message counter."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.stamps: list[tuple[float, int]] = []
        self.count = 0
        self.process = subprocess.Popen(
            ["/usr/sbin/smtp-sink", "-u", "nobody", "-c", f"127.0.0.1:{port}", "1000"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        wait_for_port(port)

    def _read(self) -> None:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        pending = b""
        pattern = re.compile(rb"mesg=(\d+)")
        while True:
            chunk = os.read(fd, 65536)
            now = time.monotonic()
            if not chunk:
                return
            pending += chunk
            *lines, pending = pending.split(b"\r")
            for line in lines:
                match = pattern.search(line)
                if match:
                    value = int(match.group(1))
                    if value != self.count:
                        self.count = value
                        self.stamps.append((now, value))

    def time_of(self, count: int) -> float:
        """When the counter first reached `count`."""
        for stamp, value in self.stamps:
            if value >= count:
                return stamp
        raise LookupError(count)

    def wait_for(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.count < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"sink has {self.count} of {count} e-mails")
            time.sleep(0.02)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def wait_for_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def start_redis(port: int, folder: Path) -> subprocess.Popen[bytes]:
    with (folder / "redis.log").open("ab") as out:
        process = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    wait_for_port(port)
    return process


def start_worker(
    env: dict[str, str], log_path: Path, concurrency: int, app: str = "worker"
) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", app, "worker", "--loglevel=INFO"]
            + [f"--concurrency={concurrency}", "--pool=prefork"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while b" ready." not in log_path.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"worker did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.1)
    return process


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    """A warm shutdown, then a kill if the worker has not gone within 30 s."""
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def status_kb(pid: int, field_name: str, name: str = "status") -> int:
    try:
        for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class MemorySampler:
    """Sums the RSS and the PSS of the worker's main process and its pool every 0.1 s.

    RSS counts a page shared by the forked pool processes (copy-on-write) once in each of
    them; PSS divides it among them, so the sum of PSS is the memory the worker really holds.
    """

    pid: int
    peak_sum_kb: int = 0
    peak_pss_sum_kb: int = 0
    peak_kb: dict[int, int] = field(default_factory=dict)
    peak_pss_kb: dict[int, int] = field(default_factory=dict)
    hwm_kb: dict[int, int] = field(default_factory=dict)
    stop_event: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while not self.stop_event.wait(0.1):
            self.sample()

    def sample(self) -> None:
        total = total_pss = 0
        for pid in [self.pid, *children(self.pid)]:
            rss = status_kb(pid, "VmRSS")
            pss = status_kb(pid, "Pss", "smaps_rollup")
            total += rss
            total_pss += pss
            self.peak_kb[pid] = max(self.peak_kb.get(pid, 0), rss)
            self.peak_pss_kb[pid] = max(self.peak_pss_kb.get(pid, 0), pss)
            self.hwm_kb[pid] = max(self.hwm_kb.get(pid, 0), status_kb(pid, "VmHWM"))
        self.peak_sum_kb = max(self.peak_sum_kb, total)
        self.peak_pss_sum_kb = max(self.peak_pss_sum_kb, total_pss)


def floor_memory(folder: Path, concurrency: int) -> tuple[int, int]:
    """RSS and PSS sums (kB) of a bare worker on the board's stack, idle: bench/fanout_floor.py.

    It gets a Redis of its own, so nothing is left of the fan-out for it to take.
    """
    port = free_port()
    redis = start_redis(port, folder)
    env = {**os.environ, "REDIS_URL": f"redis://127.0.0.1:{port}/0"}
    worker = start_worker(env, folder / "floor.log", concurrency, "bench.fanout_floor")
    try:
        sampler = MemorySampler(worker.pid)
        for _ in range(5):
            sampler.sample()
            time.sleep(0.1)
        return sampler.peak_sum_kb, sampler.peak_pss_sum_kb
    finally:
        stop_worker(worker)
        redis.terminate()


# The database -----------------------------------------------------------------------------


def prepare_database(url: str, name: str) -> None:
    """Create the database if it is missing and bring its schema up to date."""
    import psycopg

    admin = re.sub(r"^postgresql\+psycopg", "postgresql", url).rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if found.fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "board", "init"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def empty_database() -> None:
    from sqlalchemy import text

    from board.extensions import db

    names = ", ".join(
        table.name for table in db.metadata.sorted_tables if table.name != "competences"
    )
    db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    db.session.commit()


@dataclass
class Population:
    staff_id: int
    need_ids: list[int]
    recipients: int


def populate(users: int, per_firm: int, rounds: int) -> Population:
    """A requester firm with its pending needs, the matching firms and their users, and noise."""
    from sqlalchemy import insert, select

    from board.auth.passwords import hash_password
    from board.clock import closing_instant, cluster_today
    from board.competences.services import by_slugs
    from board.extensions import db
    from board.models import (
        Member,
        Need,
        NeedStatus,
        NotifyMode,
        User,
        user_competences,
        utcnow,
    )
    from board.rendering import render_markdown

    password_hash = hash_password(PASSWORD)  # hashing is slow: every user shares one
    now = utcnow()
    odra = Member(name="Odra Software", slug="odra-software", competences=by_slugs(("kotlin",)))
    db.session.add(odra)
    firms_needed = -(-users // per_firm)
    matching = [
        Member(
            name=f"Match Firm {f}",
            slug=f"match-firm-{f}",
            competences=by_slugs(FIRM_KINDS[f % len(FIRM_KINDS)]),
        )
        for f in range(firms_needed)
    ]
    others = [
        Member(name=f"Python Firm {f}", slug=f"python-firm-{f}", competences=by_slugs(("python",)))
        for f in range(max(1, firms_needed // 5))
    ]
    db.session.add_all([*matching, *others])
    db.session.flush()
    author = User(
        email="author@odra.example",
        name="Anna Author",
        member_id=odra.id,
        password_hash=password_hash,
        password_changed_at=now,
    )
    staff = User(
        email="staff@cluster.example",
        name="Staff",
        is_staff=True,
        password_hash=password_hash,
        password_changed_at=now,
    )
    db.session.add_all([author, staff])
    db.session.flush()

    rows: list[dict[str, Any]] = []
    signed_up = {"password_hash": password_hash, "password_changed_at": now, "locale": "en"}
    for n in range(users):
        firm = matching[n // per_firm]
        rows.append(
            {
                "email": f"u{n}@{firm.slug}.example",
                "name": f"User {n}",
                "member_id": firm.id,
                "notify": NotifyMode.INSTANT,
                **signed_up,
            }
        )
    # Users of matching firms who get no instant e-mail, and users of firms that do not match.
    for firm in matching[::5]:
        rows.append(
            {"email": f"daily@{firm.slug}.example", "member_id": firm.id,
             "notify": NotifyMode.DAILY, **signed_up}
        )  # fmt: skip
    for firm in others:
        for n in range(per_firm):
            rows.append({"email": f"u{n}@{firm.slug}.example", "member_id": firm.id, **signed_up})
    db.session.execute(insert(User), rows)
    # One user in twenty filters by competence, with one the need asks for.
    kubernetes = by_slugs(("kubernetes", "terraform"))
    filtered = db.session.scalars(
        select(User.id).where(
            User.notify == NotifyMode.INSTANT,
            User.member_id.in_([m.id for m in matching]),
            User.id % 20 == 0,
        )
    ).all()
    db.session.execute(
        insert(user_competences),
        [{"user_id": u, "competence_id": c.id} for u in filtered for c in kubernetes],
    )
    deadline = cluster_today() + timedelta(days=14)
    needs = []
    for r in range(rounds):
        description = (
            f"Round {r}: we are building a **logistics** platform and need two senior Kotlin "
            "developers who know Kubernetes, for six months, remote or in Wrocław."
        )
        needs.append(
            Need(
                member_id=odra.id,
                author_id=author.id,
                title=f"Two senior Kotlin developers for six months (round {r})",
                description=description,
                description_html=str(render_markdown(description)),
                competences=by_slugs(NEED_COMPETENCES),
                offer_deadline=deadline,
                offers_close_at=closing_instant(deadline),
                budget_min=90000,
                budget_max=120000,
                currency="PLN",
                status=NeedStatus.PENDING,
                submitted_at=now,
            )
        )
    db.session.add_all(needs)
    db.session.commit()
    return Population(staff.id, [need.id for need in needs], users)


# One round --------------------------------------------------------------------------------


@dataclass
class Round:
    need_id: int
    approve_call_s: float
    first_s: float
    last_s: float
    recipients: int
    author_first: bool
    sent_first_s: float
    sent_last_s: float

    @property
    def rate(self) -> float:
        """E-mails per second from approval to the last e-mail."""
        return self.recipients / self.last_s

    @property
    def delivery_rate(self) -> float:
        """E-mails per second from the first to the last e-mail."""
        return (self.recipients - 1) / (self.last_s - self.first_s)


def run_round(app: Any, sink: Sink, population: Population, need_id: int) -> Round:
    from sqlalchemy import func, select

    from board.extensions import db
    from board.models import Need, Notification, NotificationStatus, User
    from board.needs.services import approve_need

    expected = population.recipients + 1  # the matches and the author's "need approved"
    base = sink.count
    with app.app_context():
        need = db.session.get(Need, need_id)
        staff = db.session.get(User, population.staff_id)
        wall0 = time.time()
        start = time.monotonic()
        approve_need(need, staff)
        approved = time.monotonic()
    sink.wait_for(base + expected, timeout=600)
    time.sleep(1.0)  # anything sent twice would arrive by now
    with app.app_context():
        while True:
            counts = dict(
                db.session.execute(
                    select(Notification.status, func.count())
                    .where(Notification.need_id == need_id)
                    .group_by(Notification.status)
                ).all()
            )
            if set(counts) == {NotificationStatus.SENT}:
                break
            db.session.rollback()
            time.sleep(0.1)
        times = dict(
            db.session.execute(
                select(Notification.kind, func.min(Notification.sent_at))
                .where(Notification.need_id == need_id)
                .group_by(Notification.kind)
            ).all()
        )
        last_sent = db.session.scalar(
            select(func.max(Notification.sent_at)).where(
                Notification.need_id == need_id, Notification.kind == "need_match"
            )
        )
    if sink.count != base + expected:
        log(f"WARNING: the sink received {sink.count - base} e-mails, expected {expected}")
    author_first = times["need_approved"] <= times["need_match"]
    first_match = base + (2 if author_first else 1)
    return Round(
        need_id=need_id,
        approve_call_s=approved - start,
        first_s=sink.time_of(first_match) - start,
        last_s=sink.time_of(base + expected) - start,
        recipients=population.recipients,
        author_first=author_first,
        sent_first_s=times["need_match"].timestamp() - wall0,
        sent_last_s=last_sent.timestamp() - wall0,
    )


# The ceiling ------------------------------------------------------------------------------


def smtplib_ceiling(app: Any, sink_port: int, need_id: int) -> dict[str, float]:
    """Compose the board's messages for a need's rows, then send the bytes over one connection."""
    from sqlalchemy import select

    from board.extensions import db
    from board.models import Notification
    from board.notifications.compose import Composer
    from board.notifications.deliver import load_batch

    with app.app_context():
        ids = db.session.scalars(
            select(Notification.id)
            .where(Notification.need_id == need_id, Notification.kind == "need_match")
            .order_by(Notification.id)
        ).all()
        size = app.config["MAIL_BATCH_SIZE"]
        started = time.perf_counter()
        messages = []
        # As the worker composes: a batch's rows loaded together, one Composer per batch.
        for start in range(0, len(ids), size):
            batch = load_batch(ids[start : start + size])
            composer = Composer(batch)
            for row in batch:
                message = composer.compose(row)
                messages.append((message["To"], message.as_bytes()))
        compose_s = time.perf_counter() - started
    sender = app.config["MAIL_FROM"]
    connection = smtplib.SMTP("127.0.0.1", sink_port)
    connection.ehlo()
    started = time.perf_counter()
    for to, data in messages:
        connection.sendmail(sender, [to], data)
    send_s = time.perf_counter() - started
    connection.quit()
    count = len(messages)
    return {
        "messages": count,
        "bytes_per_message": sum(len(d) for _, d in messages) / count,
        "send_rate": count / send_s,
        "compose_rate": count / compose_s,
        "compose_and_send_rate": count / (compose_s + send_s),
    }


# Main -------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10_000, help="matching instant users")
    parser.add_argument("--per-firm", type=int, default=20, help="users per matching firm")
    parser.add_argument("--rounds", type=int, default=3, help="approvals, one need each")
    parser.add_argument("--concurrency", type=int, default=2, help="worker pool processes")
    parser.add_argument("--batch-size", type=int, help="MAIL_BATCH_SIZE (default: the board's)")
    parser.add_argument("--database", default="fanout")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--profile", type=Path, help="py-spy record the worker into this file")
    parser.add_argument("--json", type=Path, help="write the figures here as well")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="fanout-"))
    (folder / "instance").mkdir()
    database_url = f"{args.postgres}/{args.database}"
    redis_port, sink_port = free_port(), free_port()
    settings = {
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "SMTP_URL": f"smtp://127.0.0.1:{sink_port}",
        "SECRET_KEY": "fanout-benchmark-secret",
        "BASE_URL": "https://board.example",
        "BOARD_INSTANCE_PATH": str(folder / "instance"),
        "LOG_LEVEL": "WARNING",
    }
    if args.batch_size:
        settings["MAIL_BATCH_SIZE"] = str(args.batch_size)
    os.environ.update(settings)

    log(f"database {args.database}: schema")
    prepare_database(database_url, args.database)
    from sqlalchemy import text

    from board import create_app
    from board.extensions import db

    app = create_app()
    with app.app_context():
        empty_database()
        started = time.monotonic()
        population = populate(args.users, args.per_firm, args.rounds)
        # A live board's tables have statistics (autovacuum analyzes them as they grow); just
        # loaded, they would still be planned as empty: a scan of every user for each batch.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        log(f"loaded {args.users} matching users in {time.monotonic() - started:.1f} s")

    redis = start_redis(redis_port, folder)
    sink = Sink(sink_port)
    worker = start_worker({**os.environ}, folder / "worker.log", args.concurrency)
    log(f"worker {worker.pid} ready, pool {children(worker.pid)}; logs in {folder}")
    sampler = MemorySampler(worker.pid)
    sampler.sample()
    idle_kb, idle_pss_kb = sampler.peak_sum_kb, sampler.peak_pss_sum_kb
    sampler.start()
    rounds: list[Round] = []
    ceiling: dict[str, float] = {}
    profiler = None
    try:
        if args.profile:
            profiler = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "py-spy"),
                    "record",
                    "--subprocesses",
                    "--rate",
                    "200",
                    "--format",
                ]
                + ["raw", "-o", str(args.profile), "--pid", str(worker.pid)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
            )
            time.sleep(1)

        for need_id in population.need_ids:
            result = run_round(app, sink, population, need_id)
            rounds.append(result)
            log(
                f"need {need_id}: first e-mail {result.first_s:.3f} s, last {result.last_s:.2f} s"
                f" after approval, {result.rate:.0f} e-mails/s"
            )
        if profiler:
            profiler.send_signal(signal.SIGINT)
            profiler.wait(timeout=60)
        sampler.stop_event.set()
        sampler.sample()
        log("smtplib loop: composing the last round's messages, then sending them")
        ceiling = smtplib_ceiling(app, sink_port, population.need_ids[-1])
    finally:
        sampler.stop_event.set()
        stop_worker(worker)
        sink.stop()
        redis.terminate()
        with app.app_context():
            db.engine.dispose()

    floor_kb, floor_pss_kb = floor_memory(folder, args.concurrency)
    worker_log = (folder / "worker.log").read_text(errors="replace")
    retries = worker_log.count("Retry in")
    errors = worker_log.count("ERROR")
    rates = [r.rate for r in rounds]
    firsts = [r.first_s for r in rounds]
    fan_out = statistics.median(rates)
    ratio = fan_out / ceiling["send_rate"]
    mb = 1024
    pool = {pid: kb for pid, kb in sampler.hwm_kb.items() if pid != worker.pid}
    print()
    print(
        f"fan-out of one need to {args.users} users, worker prefork -c {args.concurrency}, "
        f"MAIL_BATCH_SIZE {app.config['MAIL_BATCH_SIZE']}, {len(rounds)} rounds"
    )
    for n, r in enumerate(rounds, 1):
        print(
            f"  round {n}: approve_need {r.approve_call_s * 1000:.0f} ms; first match e-mail at "
            f"the sink {r.first_s:.3f} s, last {r.last_s:.2f} s after approval "
            f"(sent_at: {r.sent_first_s:.3f} s / {r.sent_last_s:.2f} s); "
            f"{r.rate:.0f} e-mails/s approval→last, {r.delivery_rate:.0f} e-mails/s first→last"
        )
    print(f"fan-out e-mails/s (median, approval→last):  {fan_out:8.0f}")
    print(
        f"smtplib loop e-mails/s (pre-rendered bytes): {ceiling['send_rate']:8.0f}"
        f"   ({ceiling['bytes_per_message']:.0f} bytes a message)"
    )
    print(f"ratio fan-out / smtplib loop:                {ratio:8.2f}   target >= 0.50")
    print(
        f"first e-mail after approval, p50:           {statistics.median(firsts):8.3f} s"
        f" target < 1 s   (each: {', '.join(f'{f:.3f}' for f in firsts)})"
    )
    print(
        f"last e-mail after approval, p50:            "
        f"{statistics.median(r.last_s for r in rounds):8.2f} s"
    )
    print(
        f"worker peak memory (sum of RSS, 0.1 s):     {sampler.peak_sum_kb / mb:8.1f} MB"
        f"   target < 200 MB (idle {idle_kb / mb:.1f} MB)"
    )
    print(
        f"worker peak memory (sum of PSS, 0.1 s):     {sampler.peak_pss_sum_kb / mb:8.1f} MB"
        f"   shared pages counted once (idle {idle_pss_kb / mb:.1f} MB)"
    )
    print(
        f"a bare worker on the same stack, idle:       {floor_kb / mb:8.1f} MB RSS, "
        f"{floor_pss_kb / mb:.1f} MB PSS   (bench/fanout_floor.py: the least any can hold)"
    )
    print(
        f"  per process peak (VmHWM): main {sampler.hwm_kb.get(worker.pid, 0) / mb:.1f} MB, "
        + ", ".join(f"pool {pid} {kb / mb:.1f} MB" for pid, kb in pool.items())
    )
    print(
        f"  per process peak PSS: main {sampler.peak_pss_kb.get(worker.pid, 0) / mb:.1f} MB, "
        + ", ".join(f"pool {pid} {sampler.peak_pss_kb.get(pid, 0) / mb:.1f} MB" for pid in pool)
    )
    print(
        f"board composing in one process (this one):  {ceiling['compose_rate']:8.0f} messages/s"
        f"; compose + send in one loop {ceiling['compose_and_send_rate']:.0f} e-mails/s"
    )
    print(f"worker log: {retries} retries, {errors} errors ({folder / 'worker.log'})")
    if args.json:
        figures = {
            "users": args.users,
            "batch_size": app.config["MAIL_BATCH_SIZE"],
            "rounds": [{**r.__dict__, "rate": r.rate} for r in rounds],
            "fan_out_rate": fan_out,
            "ceiling": ceiling,
            "ratio": ratio,
            "first_p50": statistics.median(firsts),
            "peak_sum_mb": sampler.peak_sum_kb / mb,
            "peak_pss_sum_mb": sampler.peak_pss_sum_kb / mb,
            "pss_mb": {str(pid): kb / mb for pid, kb in sampler.peak_pss_kb.items()},
            "floor_rss_sum_mb": floor_kb / mb,
            "floor_pss_sum_mb": floor_pss_kb / mb,
            "hwm_mb": {str(pid): kb / mb for pid, kb in sampler.hwm_kb.items()},
            "worker_log_counts": dict(Counter(retries=retries, errors=errors)),
        }
        args.json.write_text(json.dumps(figures, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
