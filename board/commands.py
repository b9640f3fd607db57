"""`flask --app wsgi board …`: set up the database, add staff, load demo data."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask_migrate import upgrade
from slugify import slugify
from sqlalchemy import select

from board import competences
from board.auth.passwords import hash_password
from board.auth.services import create_staff, find_user
from board.errors import DomainError
from board.extensions import db
from board.models import Member, MemberStatus, User, utcnow

DEMO_PASSWORD = "demo-password"
DEMO_STAFF = "staff@cluster.example"


cli = AppGroup("board", help="Run the cluster procurement board's administrative commands.")


@cli.command("init")
def init() -> None:
    """Create or upgrade the database schema and load the competence taxonomy."""
    upgrade()
    created, updated = competences.load_taxonomy()
    click.echo(f"Schema up to date; competences: {created} added, {updated} updated.")


@cli.command("create-staff")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", default="", help="The staff member's name.")
def create_staff_command(email: str, password: str, name: str) -> None:
    """Create a cluster staff user (or set an existing staff user's password)."""
    if len(password) < current_app.config["PASSWORD_MIN_LENGTH"]:
        raise click.BadParameter(
            f"use at least {current_app.config['PASSWORD_MIN_LENGTH']} characters",
            param_hint="--password",
        )
    try:
        user = create_staff(email, password, name)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Staff user {user.email} is ready.")


@cli.command("seed-demo")
def seed_demo() -> None:
    """Add demo member firms, their users and a staff user (skips what exists)."""
    from board.demo_data import DEMO_MEMBERS

    if not competences.all_competences():
        raise click.ClickException("The taxonomy is not loaded: run `flask board init` first.")
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
    click.echo(f"Demo data: {added} member firms added; every demo password is {DEMO_PASSWORD!r}.")
