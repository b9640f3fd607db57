"""Delivery under load and failure, on a real Redis, real `celery` subprocesses and real SMTP.

Each test proves one promise of the outbox: every matching user gets one e-mail and nobody
else does; a worker killed mid-delivery loses nothing and repeats little; an approval made
while Redis is down answers at once and its e-mails follow when Redis is back; one row asked
to be sent five times at once goes out once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from board import create_app
from board.auth.passwords import hash_password
from board.auth.services import invite_user
from board.competences.services import by_slugs
from board.extensions import db
from board.models import (
    Member,
    Need,
    NeedStatus,
    Notification,
    NotificationStatus,
    NotifyMode,
    User,
    utcnow,
)
from board.needs.services import approve_need
from board.notifications import deliver, sweep
from tests import factories
from tests.conftest import (
    ROOT,
    SECRET_KEY,
    AuthActions,
    Worker,
    base_config,
    csrf_token,
    submit,
)
from tests.mailbox import Mailbox, SMTPServer, free_port, text_of

# Pool processes of a worker, as `Worker.start` runs it (--concurrency=2).
CONCURRENCY = 2
SENT = NotificationStatus.SENT

# What a matching firm has → how the e-mail says why it matched (the need asks for both).
ASKS = "of the competences the need asks for"
WHY = {
    ("kotlin",): f"50% {ASKS}: Kotlin.",
    ("docker", "kubernetes"): f"50% {ASKS}: Kubernetes.",
    ("java", "kotlin", "kubernetes"): f"100% {ASKS}: Kotlin, Kubernetes.",
}


@dataclass(frozen=True)
class Population:
    """A pending need, who must hear about it, and who must not."""

    need_id: int
    staff: factories.Account
    author: str
    # Address of each user who must get the match e-mail → the words saying why.
    matching: dict[str, str]
    silent: frozenset[str]


def populate(matching_firms: int, users_per_firm: int) -> Population:
    """A pending Kotlin + Kubernetes need of Odra Software, and firms that match it or not."""
    odra = factories.make_member("Odra Software", ("kotlin", "kubernetes"))
    author = factories.make_user(odra, email="author@odra.example")
    staff = factories.make_user(is_staff=True, email="staff@cluster.example")
    need_id = factories.make_need(odra, author.id, status=NeedStatus.PENDING).id
    password_hash = hash_password(factories.PASSWORD)  # hashing is slow: every user shares one
    now = utcnow()
    users: list[User] = []
    matching: dict[str, str] = {}
    silent: set[str] = set()

    def add(member: Member, email: str, **fields: Any) -> None:
        signed_up = {"password_hash": password_hash, "password_changed_at": now}
        users.append(User(email=email, member_id=member.id, **{**signed_up, **fields}))

    for n in range(3):
        add(odra, f"colleague{n}@odra.example")
        silent.add(f"colleague{n}@odra.example")
    for f in range(5):
        firm = factories.make_member(f"Python Firm {f}", ("python", "react"))
        for n in range(users_per_firm):
            add(firm, f"u{n}@python{f}.example")
            silent.add(f"u{n}@python{f}.example")
    kinds = list(WHY)
    for f in range(matching_firms):
        has = kinds[f % len(kinds)]
        firm = factories.make_member(f"Match Firm {f}", has)
        for n in range(users_per_firm):
            email = f"u{n}@match{f}.example"
            # Some users filter by competence; one the need asks for lets the e-mail through.
            mine = by_slugs(("kubernetes", "terraform")) if n == 0 and f % 5 == 0 else []
            add(firm, email, competences=mine)
            matching[email] = f"Match Firm {f} has {WHY[has]}"
    quiet_firm = factories.make_member("Match Firm Quiet", ("kotlin",))
    quiet = {
        "off@quiet.example": {"notify": NotifyMode.OFF},
        "daily@quiet.example": {"notify": NotifyMode.DAILY},
        "invited@quiet.example": {"password_hash": None, "password_changed_at": None},
        "disabled@quiet.example": {"active": False},
        "filtered@quiet.example": {"competences": by_slugs(("python",))},
    }
    for email, fields in quiet.items():
        add(quiet_firm, email, **fields)
        silent.add(email)
    db.session.add_all(users)
    db.session.commit()
    return Population(need_id, staff, author.email, matching, frozenset(silent))


def approve_as_staff(client: FlaskClient, people: Population) -> None:
    AuthActions(client).login(people.staff.email, people.staff.password)
    path = f"/staff/needs/{people.need_id}/approve"
    assert submit(client, path, form_page="/staff/needs").status_code == 302


def outbox(app: Flask) -> Counter[tuple[str, NotificationStatus, int]]:
    """How many rows there are of each (kind, status, attempts)."""
    with app.app_context():
        query = select(Notification.kind, Notification.status, Notification.attempts)
        return Counter(
            (kind, status, attempts) for kind, status, attempts in db.session.execute(query)
        )


def statuses(app: Flask) -> Counter[NotificationStatus]:
    with app.app_context():
        return Counter(db.session.scalars(select(Notification.status)))


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def assert_each_matching_user_heard(
    app: Flask, mailbox: Mailbox, people: Population
) -> Counter[str]:
    """Every matching user got the match e-mail, saying why; nobody else got any but the author."""
    received = Counter(m["To"] for m in mailbox.messages)
    assert set(received) == {*people.matching, people.author}
    assert received[people.author] == 1
    assert not people.silent & set(received)
    for message in mailbox.messages:
        if message["To"] == people.author:
            assert message["Subject"].strip().startswith("Your need is published")
        else:
            assert message["Subject"].strip().startswith("A new need matches your firm")
            assert people.matching[message["To"]] in text_of(message), text_of(message)
    with app.app_context():
        query = (
            select(User.email)
            .join(Notification, Notification.user_id == User.id)
            .where(Notification.kind == "need_match", Notification.status == SENT)
        )
        rows = Counter(db.session.scalars(query))
    assert rows == Counter(list(people.matching)), "each matching user has exactly one sent row"
    return received


def assert_200_users_heard_once(app: Flask, client: FlaskClient, mailbox: Mailbox) -> None:
    with app.app_context():
        people = populate(matching_firms=50, users_per_firm=4)
    assert len(people.matching) == 200
    approve_as_staff(client, people)
    mailbox.wait_for(201, timeout=45)
    wait_until(lambda: set(statuses(app)) == {SENT}, 15, "every row to be marked sent")
    time.sleep(1)  # a second delivery of any row would arrive by now
    received = assert_each_matching_user_heard(app, mailbox, people)
    assert set(received.values()) == {1}
    assert outbox(app) == {("need_match", SENT, 1): 200, ("need_approved", SENT, 1): 1}


@pytest.mark.worker
def test_each_of_200_matching_users_gets_one_email_and_nobody_else_does(
    app: Flask, client: FlaskClient, mailbox: Mailbox
) -> None:
    """An approval reaches every instant user of every matched firm once, through the worker."""
    assert_200_users_heard_once(app, client, mailbox)


def test_each_of_200_matching_users_gets_one_email_with_tasks_in_process(
    app: Flask, client: FlaskClient, mailbox: Mailbox
) -> None:
    """The same on the embedded default: no broker, the jobs run in the web process."""
    assert app.config.get("REDIS_URL") is None
    assert_200_users_heard_once(app, client, mailbox)


# Subprocesses of a board of its own ------------------------------------------------------


@dataclass
class RedisServer:
    """A `redis-server` subprocess on loopback that keeps nothing on disk."""

    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*command, "--save", "", "--appendonly", "no"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError as exc:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    output = self.log_path.read_text()
                    raise RuntimeError(f"redis-server did not start:\n{output}") from exc
                time.sleep(0.05)
            finally:
                client.close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@dataclass
class PrivateBoard:
    """An app on its own Redis, and the worker and beat subprocesses it starts with its settings."""

    app: Flask
    redis: RedisServer
    env: dict[str, str]
    folder: Path
    workers: list[Worker] = field(default_factory=list)
    beat: subprocess.Popen[bytes] | None = None

    def start_worker(self, name: str) -> Worker:
        worker = Worker(self.app.config["BACKEND"], self.env, self.folder / f"{name}.log")
        self.workers.append(worker)
        worker.start()
        return worker

    def start_beat(self, timeout: float = 30) -> None:
        log_path = self.folder / "beat.log"
        with log_path.open("ab") as log:
            self.beat = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "worker", "beat", "--loglevel=INFO"]
                + ["--schedule", str(self.folder / "beat-schedule")],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while b"beat: Starting" not in log_path.read_bytes():
            if self.beat.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"celery beat did not start:\n{log_path.read_text()}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.beat and self.beat.poll() is None:
            self.beat.terminate()
            try:
                self.beat.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.beat.kill()
        for worker in self.workers:
            worker.stop()
        self.redis.stop()
        with self.app.app_context():
            db.engine.dispose()


@pytest.fixture
def private_board(
    app: Flask, database_urls: dict[str, str], smtp_server: SMTPServer, tmp_path: Path
) -> Iterator[Callable[..., PrivateBoard]]:
    """Build an app publishing to a Redis of its own, with delivery settings for its workers.

    The `app` fixture has emptied the database and the mailbox; everything started is stopped
    at the end, whatever the test did.
    """
    built: list[PrivateBoard] = []

    def build(**settings: int) -> PrivateBoard:
        backend = app.config["BACKEND"]
        folder = tmp_path / f"board{len(built)}"
        (folder / "instance").mkdir(parents=True)
        server = RedisServer(free_port(), folder / "redis.log")
        shared = {"SMTP_URL": smtp_server.url, "BASE_URL": "http://board.test"}
        board_app = create_app(
            base_config(
                database_urls[backend],
                folder / "mail",
                REDIS_URL=server.url,
                **shared,
                **settings,
            )
        )
        board_app.config["BACKEND"] = backend
        env = {
            **os.environ,
            **shared,
            **{name: str(value) for name, value in settings.items()},
            "DATABASE_URL": database_urls[backend],
            "REDIS_URL": server.url,
            "SECRET_KEY": SECRET_KEY,
            "BOARD_INSTANCE_PATH": str(folder / "instance"),
            "MAIL_RETRY_DELAY": "0.05",
            "MAIL_RETRY_MAX_DELAY": "0.2",
        }
        board = PrivateBoard(board_app, server, env, folder)
        built.append(board)
        server.start()
        return board

    yield build
    for board in built:
        board.stop()


def kill_hard(worker: Worker) -> None:
    """SIGKILL a worker's main process, then its pool processes, as a lost machine would."""
    assert worker.process is not None
    main = worker.process.pid
    found = subprocess.run(["pgrep", "-P", str(main)], capture_output=True, text=True, check=False)
    pool = [int(pid) for pid in found.stdout.split()]
    assert len(pool) == CONCURRENCY, found
    os.kill(main, signal.SIGKILL)
    for pid in pool:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    worker.process.wait(timeout=10)


def kill_mid_delivery(
    board: PrivateBoard, worker: Worker, mailbox: Mailbox, after: int, rows: int
) -> tuple[int, int]:
    """Kill `worker` once `after` e-mails have arrived; how many had, and how many rows were
    being sent at that moment."""
    mailbox.wait_for(after, timeout=30)
    kill_hard(worker)
    delivered = len(mailbox.messages)
    at_kill = statuses(board.app)
    assert at_kill[SENT] < rows, "the worker was killed after it had sent everything"
    return delivered, at_kill[NotificationStatus.SENDING]


def deliver_the_rest(board: PrivateBoard, timeout: float) -> None:
    """Start a second worker and sweep until every row is sent."""
    board.start_worker("second")
    deadline = time.monotonic() + timeout
    while set(statuses(board.app)) != {SENT}:
        assert time.monotonic() < deadline, statuses(board.app)
        # The sweep hands rows out again only once their lease (3 s) has passed.
        with board.app.app_context():
            sweep.sweep()
        time.sleep(1)
    time.sleep(1)  # a late repeat would arrive by now


@pytest.mark.processes
def test_a_worker_killed_mid_delivery_loses_no_email_and_repeats_few(
    app: Flask, private_board: Callable[..., PrivateBoard], mailbox: Mailbox
) -> None:
    """After kill -9 mid-delivery, a new worker and the sweep send every row; few go twice."""
    board = private_board(MAIL_BATCH_SIZE=10, MAIL_LEASE=3, SWEEP_GRACE=1)
    first = board.start_worker("first")
    with board.app.app_context():
        people = populate(matching_firms=50, users_per_firm=4)
        staff = db.session.get(User, people.staff.id)
        mailbox.delay = 0.02  # 200 e-mails take seconds: time to kill the worker among them
        approve_need(db.session.get(Need, people.need_id), staff)
    delivered, sending = kill_mid_delivery(board, first, mailbox, after=50, rows=201)
    deliver_the_rest(board, timeout=40)

    received = assert_each_matching_user_heard(board.app, mailbox, people)
    duplicates = sum(count - 1 for count in received.values())
    print(
        f"killed after {delivered} e-mails with {sending} rows being sent; "
        f"{len(mailbox.messages)} e-mails in all, "
        f"{duplicates} sent twice"
    )
    # Each row is marked sent as soon as the server has it, so only the message each pool
    # process had on the wire at the kill can go twice.
    assert duplicates <= min(sending, CONCURRENCY)


@pytest.mark.processes
def test_an_approval_while_redis_is_down_answers_at_once_and_the_emails_follow(
    app: Flask, private_board: Callable[..., PrivateBoard], mailbox: Mailbox
) -> None:
    """With Redis down an approval commits at once; beat sends its e-mails when Redis is back."""
    board = private_board(SWEEP_INTERVAL=1, SWEEP_GRACE=1, MAIL_LEASE=2)
    with board.app.app_context():
        people = populate(matching_firms=10, users_per_firm=2)
    board.start_worker("worker")
    board.start_beat()
    client = board.app.test_client()
    AuthActions(client).login(people.staff.email, people.staff.password)
    token = csrf_token(client, "/staff/needs")
    board.redis.stop()

    started = time.monotonic()
    response = client.post(f"/staff/needs/{people.need_id}/approve", data={"csrf_token": token})
    elapsed = time.monotonic() - started
    print(f"approval with Redis down answered in {elapsed:.3f} s")
    assert response.status_code == 302
    assert elapsed < 2
    with board.app.app_context():
        assert db.session.get(Need, people.need_id).status == NeedStatus.OPEN
    assert mailbox.messages == [], "nothing is sent while Redis is down"

    board.redis.start()
    mailbox.wait_for(len(people.matching) + 1, timeout=30)
    wait_until(lambda: set(statuses(board.app)) == {SENT}, 15, "every row to be marked sent")
    received = assert_each_matching_user_heard(board.app, mailbox, people)
    assert set(received.values()) == {1}


def pending_row(app: Flask) -> int:
    """An outbox row waiting to be sent, which nothing else will pick up during the test."""
    with app.app_context():
        odra = factories.make_member("Odra Software")
        author = factories.make_user(odra, email="author@odra.example")
        need = factories.make_need(odra, author.id)
        row = Notification(
            user_id=author.id,
            key=f"need_approved:need:{need.id}",
            kind="need_approved",
            need_id=need.id,
            next_attempt_at=utcnow() + timedelta(hours=1),
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def row_state(app: Flask, notification_id: int) -> tuple[NotificationStatus, int]:
    with app.app_context():
        row = db.session.get(Notification, notification_id)
        return row.status, row.attempts


@pytest.mark.worker
def test_one_row_sent_by_five_tasks_at_once_goes_out_once(
    app: Flask, mailbox: Mailbox, workers: dict[str, Worker]
) -> None:
    """Five `notify.send` messages for the same row, run by the worker, send one e-mail."""
    notification_id = pending_row(app)
    mailbox.delay = 0.3  # the first delivery is still talking to the server when others start
    celery = app.extensions["celery"]
    tasks = [celery.send_task("notify.send", args=[notification_id]) for _ in range(5)]
    mailbox.wait_for(1, timeout=30)
    log = workers[app.config["BACKEND"]].log_path

    def all_finished() -> bool:
        text = log.read_text(errors="replace")
        return all(f"notify.send[{task.id}] succeeded" in text for task in tasks)

    wait_until(all_finished, 30, "the five tasks to finish")
    assert len(mailbox.messages) == 1
    assert row_state(app, notification_id) == (SENT, 1)


def test_one_row_sent_by_five_threads_at_once_goes_out_once(app: Flask, mailbox: Mailbox) -> None:
    """Five deliveries of one row started at the same instant in one process send one e-mail."""
    notification_id = pending_row(app)
    mailbox.delay = 0.2
    barrier = threading.Barrier(5)
    results: list[float | None] = []
    errors: list[BaseException] = []

    def send_once() -> None:
        with app.app_context():
            barrier.wait()
            try:
                results.append(deliver.send(notification_id))
            except BaseException as exc:  # reported by the assertion below
                errors.append(exc)

    threads = [threading.Thread(target=send_once) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert results == [None] * 5
    assert len(mailbox.messages) == 1
    assert row_state(app, notification_id) == (SENT, 1)


@pytest.mark.processes
def test_a_worker_killed_while_100_invitations_go_out_loses_none_and_repeats_few(
    app: Flask, private_board: Callable[..., PrivateBoard], mailbox: Mailbox
) -> None:
    """Invitations are outbox rows too: after kill -9 mid-delivery every one arrives."""
    board = private_board(MAIL_LEASE=3, SWEEP_GRACE=1)
    first = board.start_worker("first")
    invited = [f"colleague{n}@odra.example" for n in range(100)]
    with board.app.app_context():
        firm = factories.make_member("Odra Software")
        inviter = db.session.get(User, factories.make_user(firm, email="anna@odra.example").id)
        mailbox.delay = 0.05  # 100 e-mails take seconds: time to kill the worker among them
        for email in invited:
            invite_user(email, firm, inviter)
    delivered, sending = kill_mid_delivery(board, first, mailbox, after=20, rows=100)
    deliver_the_rest(board, timeout=60)

    received = Counter(message["To"] for message in mailbox.messages)
    assert set(received) == set(invited)
    for message in mailbox.messages:
        assert "/invitations/" in text_of(message)
    duplicates = sum(count - 1 for count in received.values())
    print(
        f"killed after {delivered} invitations with {sending} rows being sent; "
        f"{len(mailbox.messages)} e-mails in all, {duplicates} sent twice"
    )
    assert duplicates <= min(sending, CONCURRENCY)
