"""A search with a competence finds a need by the competences it has now, whoever changed them.

On PostgreSQL the board reads a need's competence ids from a column on the need, which
triggers copy from need_competences (migration ab337838be4a); SQLite reads need_competences.
Each test changes a need's competences one way and checks both: the board's answer, on both
databases, and on PostgreSQL that no need's column differs from its rows.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, insert, select, text

from board.clock import cluster_today
from board.competences.services import by_slugs, merge_competences
from board.extensions import db
from board.models import Competence, Need, NeedStatus, User, need_competences
from board.needs.services import BoardQuery, board_page
from tests import factories
from tests.conftest import AuthActions, submit

STALE = text(
    "SELECT id FROM needs WHERE competence_ids IS DISTINCT FROM ARRAY("
    "SELECT competence_id FROM need_competences WHERE need_id = needs.id"
    " ORDER BY competence_id)"
)
NEED_FORM = {
    "title": "Kotlin developers for a logistics platform",
    "description": "Ktor services on Kubernetes.",
    "currency": "EUR",
    "work_mode": "remote",
    "work_language": "en",
}


def stale_needs() -> list[int]:
    """Needs whose competence ids differ from their need_competences rows (PostgreSQL)."""
    if db.engine.dialect.name != "postgresql":
        return []
    return list(db.session.scalars(STALE))


def found(
    viewer_id: int, slug: str, words: str = "", status: NeedStatus = NeedStatus.OPEN
) -> set[int]:
    """The ids of the needs the board finds for a competence (and words)."""
    viewer = db.session.get(User, viewer_id)
    assert viewer is not None
    query = BoardQuery(q=words, competences=[slug], status=status)
    return {need.id for need in board_page(viewer, query, page=1, per_page=50).items}


def competence(slug: str) -> Competence:
    found = db.session.scalar(select(Competence).where(Competence.slug == slug))
    assert found is not None
    return found


def test_a_need_created_and_edited_in_the_form_is_found_by_its_new_competences(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        firm = factories.make_member("Odra Software", competences=("kotlin",))
        author = factories.make_user(firm)
        author_id = author.id
    AuthActions(client).login(author.email, author.password)
    deadline = str(cluster_today_in(app) + timedelta(days=10))
    form = {**NEED_FORM, "offer_deadline": deadline, "competences": ["kotlin", "kubernetes"]}
    response = submit(client, "/needs/new", form)
    assert response.status_code == 302
    need_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        assert stale_needs() == []
        assert found(author_id, "kubernetes", "logistics", NeedStatus.DRAFT) == {need_id}
    edited = {**form, "competences": ["python", "kotlin"]}
    assert submit(client, f"/needs/{need_id}/edit", edited).status_code == 302
    with app.app_context():
        assert stale_needs() == []
        assert found(author_id, "kubernetes", "logistics", NeedStatus.DRAFT) == set()
        assert found(author_id, "python", "logistics", NeedStatus.DRAFT) == {need_id}
        assert found(author_id, "kotlin", "", NeedStatus.DRAFT) == {need_id}


def cluster_today_in(app: Flask):  # type: ignore[no-untyped-def]
    with app.app_context():
        return cluster_today()


def test_a_merge_moves_the_needs_to_the_surviving_competence(app: Flask) -> None:
    with app.app_context():
        poster = factories.make_member("Pleissetal Consulting")
        both = factories.make_need(poster, title="Containers", competences=("docker", "kubernetes"))
        docker = factories.make_need(
            poster, title="Containers", competences=("docker", "terraform")
        )
        staff = factories.make_user(None, email="staff@cluster.example", is_staff=True)
        reader = factories.make_user(factories.make_member("Odra Software"))
        merge_competences(
            competence("docker"), competence("kubernetes"), db.session.get(User, staff.id)
        )
        assert stale_needs() == []
        assert found(reader.id, "kubernetes", "containers") == {both.id, docker.id}
        assert found(reader.id, "docker", "containers") == set()
        assert found(reader.id, "terraform", "containers") == {docker.id}


def test_competences_changed_by_plain_sql_are_found(app: Flask) -> None:
    with app.app_context():
        poster = factories.make_member("Pleissetal Consulting")
        need = factories.make_need(poster, title="Platform work", competences=("kotlin",))
        other = factories.make_need(poster, title="Platform work", competences=("python",))
        reader = factories.make_user(factories.make_member("Odra Software"))
        python, kotlin = competence("python").id, competence("kotlin").id
        db.session.execute(
            insert(need_competences),
            [{"need_id": need.id, "competence_id": python}],
        )
        db.session.execute(
            delete(need_competences).where(
                need_competences.c.need_id == need.id, need_competences.c.competence_id == kotlin
            )
        )
        db.session.execute(
            need_competences.update()
            .where(need_competences.c.need_id == other.id)
            .values(competence_id=kotlin)
        )
        db.session.commit()
        assert stale_needs() == []
        assert found(reader.id, "python", "platform") == {need.id}
        assert found(reader.id, "kotlin", "platform") == {other.id}


def test_a_deleted_competence_leaves_its_needs(app: Flask) -> None:
    with app.app_context():
        poster = factories.make_member("Pleissetal Consulting")
        need = factories.make_need(poster, title="Platform work", competences=("kotlin", "python"))
        reader = factories.make_user(factories.make_member("Odra Software"))
        added = Competence(slug="ktor", name="Ktor", area="Languages", position=999)
        db.session.add(added)
        db.session.commit()
        db.session.get(Need, need.id).competences = by_slugs(["kotlin", "python", "ktor"])
        db.session.commit()
        assert found(reader.id, "ktor", "platform") == {need.id}
        # The foreign key cascades to need_competences; the triggers see cascaded deletes too.
        db.session.execute(delete(Competence).where(Competence.slug == "ktor"))
        db.session.commit()
        assert stale_needs() == []
        assert found(reader.id, "ktor", "platform") == set()
        assert found(reader.id, "python", "platform") == {need.id}


def test_the_demo_data_is_found_by_its_competences(app: Flask, runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["board", "seed-demo"]).exit_code == 0
    with app.app_context():
        assert stale_needs() == []
        assert db.session.scalar(select(Need.id).limit(1)) is not None


def test_the_migration_fills_the_column_for_needs_that_exist_and_comes_down_again(
    app: Flask,
) -> None:
    with app.app_context():
        poster = factories.make_member("Pleissetal Consulting")
        need = factories.make_need(poster, title="Platform work", competences=("kotlin", "python"))
        reader = factories.make_user(factories.make_member("Odra Software"))
        need_id = need.id
        # The migrations alter tables this session has read: its transaction must not hold them.
        db.session.close()
        db.engine.dispose()
        downgrade(revision="52d3d0a82929")
        upgrade()
        assert stale_needs() == []
        if db.engine.dialect.name == "postgresql":
            ids = db.session.scalar(
                text("SELECT competence_ids FROM needs WHERE id = :id"), {"id": need_id}
            )
            assert ids == sorted([competence("kotlin").id, competence("python").id])
        assert found(reader.id, "python", "platform") == {need_id}


def test_emptying_need_competences_empties_every_need(app: Flask) -> None:
    with app.app_context():
        poster = factories.make_member("Pleissetal Consulting")
        need = factories.make_need(poster, title="Platform work", competences=("kotlin",))
        reader = factories.make_user(factories.make_member("Odra Software"))
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("TRUNCATE need_competences"))
        else:
            db.session.execute(delete(need_competences))
        db.session.commit()
        assert stale_needs() == []
        assert found(reader.id, "kotlin", "platform") == set()
        assert db.session.get(Need, need.id) is not None
