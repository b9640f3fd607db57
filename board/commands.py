"""`flask --app wsgi board …`: set up the database, add staff, load demo data, import firms,
run the sweep."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_migrate import upgrade
from slugify import slugify
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from board.auth.passwords import hash_password
from board.auth.services import create_staff, find_user
from board.clock import closing_instant, cluster_today
from board.competences import services as competences
from board.errors import DomainError
from board.extensions import db
from board.i18n import environment_locale
from board.members.importing import BadFile, ImportInterrupted, import_members, read_rows
from board.models import (
    NEED_PUBLISHED,
    Application,
    Clarification,
    Member,
    MemberStatus,
    Need,
    NeedStatus,
    Offer,
    OfferStatus,
    PriceBasis,
    Question,
    QuestionStatus,
    Report,
    ReportReason,
    User,
    WorkMode,
    utcnow,
)
from board.needs.services import expire_needs
from board.notifications.sweep import sweep
from board.privacy.retention import apply_retention
from board.rendering import render_markdown

DEMO_PASSWORD = "demo-password"
DEMO_STAFF = "staff@cluster.example"


cli = AppGroup("board", help="Run the cluster procurement board's administrative commands.")


def in_shell_language(command: Callable[..., None]) -> Callable[..., None]:
    """Run a command in the language of the shell it was typed in (`environment_locale`):
    what it prints, and the messages of the rules it meets, are read by that person."""

    @functools.wraps(command)
    def run(*args: object, **kwargs: object) -> None:
        with force_locale(environment_locale()):
            command(*args, **kwargs)

    return run


@cli.command("init")
@in_shell_language
def init() -> None:
    """Create or upgrade the database schema and load the competence taxonomy."""
    upgrade()
    created, updated = competences.load_taxonomy()
    click.echo(
        _(
            "Schema up to date; competences: %(added)d added, %(updated)d updated.",
            added=created,
            updated=updated,
        )
    )


@cli.command("create-staff")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", default="", help="The staff member's name.")
@in_shell_language
def create_staff_command(email: str, password: str, name: str) -> None:
    """Create a cluster staff user (or set an existing staff user's password)."""
    if len(password) < current_app.config["PASSWORD_MIN_LENGTH"]:
        raise click.BadParameter(
            _("Use at least %(n)d characters.", n=current_app.config["PASSWORD_MIN_LENGTH"]),
            param_hint="--password",
        )
    try:
        user = create_staff(email, password, name)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(_("Staff user %(email)s is ready.", email=user.email))


@cli.command("import-members")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--invite", is_flag=True, help="E-mail each new firm's contact an invitation.")
@in_shell_language
def import_members_command(file: Path, invite: bool) -> None:
    """Add member firms from a CSV file with the columns name,country,website,competences,email."""
    try:
        with file.open(encoding="utf-8-sig", newline="") as stream:
            rows = read_rows(stream)
    except UnicodeDecodeError as exc:
        raise click.ClickException(
            printable(
                _(
                    '%(file)s is not UTF-8 text: save it from the spreadsheet as "CSV UTF-8".',
                    file=str(file),
                )
            )
        ) from exc
    except BadFile as exc:
        raise click.ClickException(printable(f"{file}: {exc.message}")) from exc
    with click.progressbar(length=len(rows), label=_("Importing member firms")) as bar:
        try:
            report = import_members(rows, invite=invite, actor=None, progress=bar.update)
        except ImportInterrupted as exc:
            raise click.ClickException(printable(exc.message)) from exc
    refused = len(report.errors)
    added = ngettext("%(num)d member firm added", "%(num)d member firms added", report.created)
    # Ends with a colon when the refused lines follow.
    refusals = ngettext("%(num)d line refused", "%(num)d lines refused", refused)
    refusals += ":" if refused else "."
    click.echo(
        _(
            "%(added)s, %(unchanged)d unchanged, %(refused)s",
            added=added,
            unchanged=report.unchanged,
            refused=refusals,
        )
    )
    for line, reason in report.errors:
        click.echo("  " + _("line %(line)d: %(reason)s", line=line, reason=printable(reason)))


def printable(text: str) -> str:
    """`text` with every character a terminal could act on (escape sequences, carriage
    returns, direction marks) written as Python escapes it: the file's cells are quoted in
    the messages, and a cell must reach the screen as text, never as a command."""
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text
    )


@cli.command("sweep")
@click.option(
    "--every",
    type=click.IntRange(min=1),
    default=None,
    help="Keep running, once every this many seconds (without a worker and beat).",
)
def sweep_command(every: int | None) -> None:
    """Send what is due: retries, lost e-mails, digests, reminders; expire old needs; apply
    the retention policy.

    With a worker and Celery beat this runs by itself (the sweep every minute, expiry and
    retention every hour); the embedded default (no REDIS_URL) runs it all with --every
    instead.
    """
    while True:
        try:
            done = {**sweep(), "expired": expire_needs()}
            done.update({f"removed_{kind}": n for kind, n in apply_retention().items()})
        except SQLAlchemyError as exc:  # the database restarting: try again next time
            db.session.rollback()
            click.echo(f"sweep failed: {exc}", err=True)
            done = {}
        if done and (every is None or any(done.values())):
            click.echo(", ".join(f"{key} {value}" for key, value in done.items()))
        if every is None:
            return
        db.session.remove()
        time.sleep(every)


@cli.command("seed-demo")
@in_shell_language
def seed_demo() -> None:
    """Add a demo cluster: firms, users, needs, offers and a staff user (skips what exists)."""
    from board.demo_data import DEMO_MEMBERS

    if not competences.all_competences():
        raise click.ClickException(_("The taxonomy is not loaded: run `flask board init` first."))
    if find_user(DEMO_STAFF) is None:
        create_staff(DEMO_STAFF, DEMO_PASSWORD, "Clara Staff")
    password_hash = hash_password(DEMO_PASSWORD)
    added = 0
    for firm in DEMO_MEMBERS:
        slug = slugify(firm["name"])
        if db.session.scalar(select(Member.id).where(Member.slug == slug)) is not None:
            continue
        member = Member(
            name=firm["name"],
            slug=slug,
            country=firm["country"],
            website=firm["website"],
            description=firm["description"],
            status=MemberStatus.ACTIVE,
            competences=competences.by_slugs(slugify(name) for name in firm["competences"]),
        )
        db.session.add(member)
        for name, email in firm["users"]:
            db.session.add(
                User(
                    email=email,
                    name=name,
                    member=member,
                    password_hash=password_hash,
                    password_changed_at=utcnow(),
                )
            )
        added += 1
    db.session.commit()
    needs = seed_demo_needs()
    seed_demo_moderation()
    click.echo(
        _(
            "Demo data: %(firms)d member firms and %(needs)d needs added; "
            "every demo password is %(password)s.",
            firms=added,
            needs=needs,
            password=repr(DEMO_PASSWORD),
        )
    )


def seed_demo_needs() -> int:
    """Add the demo needs, in several states, with offers (skips needs that exist)."""
    from board.demo_data import DEMO_NEEDS

    members = {m.name: m for m in db.session.scalars(select(Member))}
    added = 0
    for demo in DEMO_NEEDS:
        member = members[demo["firm"]]
        exists = select(Need.id).where(Need.member_id == member.id, Need.title == demo["title"])
        if db.session.scalar(exists) is not None:
            continue
        status = NeedStatus(demo["status"])
        deadline = cluster_today() + timedelta(days=demo["deadline_in_days"])
        low, high, currency = demo["budget"]
        now = utcnow()
        need = Need(
            member=member,
            author=member.users[0],
            title=demo["title"],
            description=demo["description"],
            description_html=str(render_markdown(demo["description"])),
            competences=competences.by_slugs(demo["competences"]),
            offer_deadline=deadline,
            offers_close_at=closing_instant(deadline),
            budget_min=None if low is None else Decimal(low),
            budget_max=None if high is None else Decimal(high),
            currency=currency,
            work_mode=WorkMode(demo["work_mode"]),
            location=demo["location"],
            status=status,
            moderation_reason=demo["reason"],
            submitted_at=None if status == NeedStatus.DRAFT else now,
            published_at=now if status in NEED_PUBLISHED else None,
            # Demo needs are on the board already; nobody is e-mailed about them.
            fanned_out_at=now if status in NEED_PUBLISHED else None,
            closed_at=now if status == NeedStatus.CLOSED else None,
        )
        db.session.add(need)
        for offer in demo["offers"]:
            supplier = members[offer["firm"]]
            db.session.add(
                Offer(
                    need=need,
                    member=supplier,
                    author=supplier.users[0],
                    message=offer["message"],
                    price=Decimal(offer["price"]),
                    currency=currency,
                    available_from=deadline + timedelta(days=14),
                    status=OfferStatus(offer["status"]),
                    price_basis=PriceBasis(offer.get("basis", "fixed")),
                )
            )
        for question in demo.get("questions", ()):
            asker = members[question["firm"]]
            db.session.add(
                Question(
                    need=need,
                    member=asker,
                    author=asker.users[0],
                    text=question["text"],
                    status=QuestionStatus.ANSWERED
                    if question["answer"]
                    else QuestionStatus.WAITING,
                    answer=question["answer"],
                    answered_at=now if question["answer"] else None,
                )
            )
        if "clarification" in demo:
            db.session.add(
                Clarification(need=need, author=member.users[0], text=demo["clarification"])
            )
        added += 1
    db.session.commit()
    return added


def seed_demo_moderation() -> None:
    """A membership application waiting for staff, and a member's report (once)."""
    if db.session.scalar(select(Application.id)) is None:
        db.session.add(
            Application(
                member_name="Bega Cloud SRL",
                contact_name="Andrei Popescu",
                email="andrei.popescu@bega-cloud.example",
                message="Timișoara cloud consultancy; members of the cluster since spring.",
                competences=competences.by_slugs(["aws", "terraform", "kubernetes"]),
            )
        )
    if db.session.scalar(select(Report.id)) is None:
        need = db.session.scalar(select(Need).where(Need.status == NeedStatus.OPEN))
        reporter = (
            db.session.scalar(
                select(User).where(User.member_id.is_not(None), User.member_id != need.member_id)
            )
            if need
            else None
        )
        if need is not None and reporter is not None:
            db.session.add(
                Report(
                    reporter=reporter,
                    need=need,
                    reason=ReportReason.DUPLICATE,
                    comment="The same need was posted last month.",
                )
            )
    db.session.commit()
