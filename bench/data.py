"""Load the benchmark data set: 1,000 firms, 10,000 users, 100,000 needs, one need with 20 offers.

    .venv/bin/python -m bench.data          # PostgreSQL `bench` and the SQLite file
    .venv/bin/python -m bench.data --force    # empty them and load again
    .venv/bin/python -m bench.data --only postgresql|sqlite

The schema comes from `flask --app wsgi board init` (migrations + taxonomy), so the search
objects (PostgreSQL's generated tsvector and GIN index, SQLite's FTS5 table and triggers) are
the real ones and fill themselves as rows arrive. Rows go in with executemany, in chunks,
through the models' tables (so Money, UTCDateTime and the enums are stored as the board stores
them). On PostgreSQL the needs go in with their competence ids and need_competences one
statement per chunk (see insert_need_competences). The data are generated from a fixed seed:
every load is the same.
"""

from __future__ import annotations

import argparse
import html
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from argon2 import PasswordHasher, Type
from slugify import slugify
from sqlalchemy.dialects.postgresql import ARRAY

from board.competences.taxonomy import TAXONOMY
from board.models import (
    Competence,
    Member,
    Need,
    Offer,
    User,
    member_competences,
    need_competences,
)

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
)
SQLITE_PATH = Path(os.environ.get("BENCH_SQLITE_PATH", ROOT / "instance" / "bench.sqlite"))
SQLITE_URL = f"sqlite:///{SQLITE_PATH}"

MEMBERS = 1_000
USERS_PER_MEMBER = 10
NEEDS = 100_000
OFFERS_ON_SHOWCASE = 20
CHUNK = 5_000
SEED = 20261123

# The signed-in user of bench/web: a user of firm 1, requester of the need with 20 offers.
BENCH_EMAIL = "user1@firm0001.bench.example"
BENCH_PASSWORD = "bench-password"
ZONE = ZoneInfo("Europe/Warsaw")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TODAY = NOW.date()

# Word lists in the cluster's languages: titles and descriptions are built from them.
LANGS: dict[str, dict[str, list[str]]] = {
    "en": {
        "role": ["developers", "engineers", "consultants", "architects", "testers", "analysts"],
        "level": ["senior", "mid-level", "experienced", "certified", "lead", "junior"],
        "object": [
            "payment platform",
            "logistics portal",
            "hospital system",
            "energy dashboard",
            "mobile banking app",
            "warehouse software",
            "customer portal",
            "factory sensors",
            "e-commerce shop",
            "municipal services",
        ],
        "verb": ["build", "migrate", "audit", "modernise", "maintain", "integrate", "test"],
        "filler": [
            "The project starts after the contract is signed and runs for several months.",
            "We expect regular demos, written documentation and a handover to our team.",
            "The team works remotely with one workshop on site each month.",
            "Offers should name the people, their experience and a daily rate.",
            "Security and accessibility requirements follow our internal guidelines.",
            "We prefer firms that have delivered similar work for public clients.",
        ],
        "title": "{n} {level} {comp} {role} to {verb} our {object}",
        "sentence": "We need {comp} to {verb} the {object}.",
    },
    "pl": {
        "role": ["programistów", "inżynierów", "konsultantów", "architektów", "testerów"],
        "level": ["doświadczonych", "starszych", "certyfikowanych", "samodzielnych"],
        "object": [
            "platformy płatności",
            "portalu logistycznego",
            "systemu szpitalnego",
            "aplikacji bankowej",
            "sklepu internetowego",
            "systemu magazynowego",
            "portalu klienta",
            "usług miejskich",
        ],
        "verb": ["budowy", "migracji", "audytu", "modernizacji", "utrzymania", "integracji"],
        "filler": [
            "Projekt rozpocznie się po podpisaniu umowy i potrwa kilka miesięcy.",
            "Oczekujemy regularnych prezentacji, dokumentacji i przekazania wiedzy zespołowi.",
            "Zespół pracuje zdalnie, raz w miesiącu spotykamy się w biurze we Wrocławiu.",
            "Oferta powinna zawierać skład zespołu, doświadczenie i stawkę dzienną.",
            "Preferujemy firmy z doświadczeniem w projektach dla sektora publicznego.",
        ],
        "title": "{n} {level} {role} {comp} do {verb} {object}",
        "sentence": "Potrzebujemy kompetencji {comp} do {verb} {object}.",
    },
    "de": {
        "role": ["Entwickler", "Ingenieure", "Berater", "Architekten", "Tester"],
        "level": ["erfahrene", "leitende", "zertifizierte", "selbstständige"],
        "object": [
            "Zahlungsplattform",
            "Logistikportal",
            "Krankenhaussystem",
            "Banking-App",
            "Lagerverwaltung",
            "Kundenportal",
            "Energieplattform",
            "Fertigungssteuerung",
        ],
        "verb": ["Aufbau", "Migration", "Prüfung", "Modernisierung", "Wartung", "Integration"],
        "filler": [
            "Das Projekt beginnt nach Vertragsunterzeichnung und dauert mehrere Monate.",
            "Wir erwarten regelmäßige Demos, Dokumentation und eine Übergabe an unser Team.",
            "Die Arbeit erfolgt überwiegend remote, einmal im Monat vor Ort in Görlitz.",
            "Angebote nennen bitte Team, Erfahrung und Tagessatz.",
            "Wir bevorzugen Firmen mit Referenzen im öffentlichen Sektor.",
        ],
        "title": "{n} {level} {comp}-{role} für {verb} unserer {object}",
        "sentence": "Wir suchen {comp} für {verb} der {object}.",
    },
    "ro": {
        "role": ["dezvoltatori", "ingineri", "consultanți", "arhitecți", "testeri"],
        "level": ["experimentați", "seniori", "certificați", "independenți"],
        "object": [
            "platformei de plăți",
            "portalului logistic",
            "sistemului spitalicesc",
            "aplicației bancare",
            "magazinului online",
            "portalului pentru clienți",
            "serviciilor municipale",
        ],
        "verb": ["dezvoltarea", "migrarea", "auditul", "modernizarea", "întreținerea"],
        "filler": [
            "Proiectul începe după semnarea contractului și durează câteva luni.",
            "Așteptăm demonstrații regulate, documentație și predarea către echipa noastră.",
            "Echipa lucrează de la distanță, cu un atelier lunar la Cluj-Napoca.",
            "Oferta trebuie să includă echipa, experiența și tariful zilnic.",
            "Preferăm firme cu experiență în proiecte pentru clienți publici.",
        ],
        "title": "{n} {role} {comp} {level} pentru {verb} {object}",
        "sentence": "Avem nevoie de {comp} pentru {verb} {object}.",
    },
}
LANGUAGE_WEIGHTS = {"en": 50, "pl": 20, "de": 18, "ro": 12}
COUNTRIES = {"en": "IE", "pl": "PL", "de": "DE", "ro": "RO"}
CURRENCY = {"en": "EUR", "pl": "PLN", "de": "EUR", "ro": "RON"}
FIRM_WORDS = [
    "Odra", "Vistula", "Carpathia", "Elbe", "Baltic", "Tatra", "Danube", "Silesia", "Lusatia",
    "Banat", "Nord", "Pixel", "Quantum", "Kodex", "Nimbus", "Vector", "Orbit", "Granit",
]  # fmt: skip
FIRM_KINDS = ["Software", "Systems", "Labs", "Digital", "Consulting", "Data", "Security", "IT"]
FIRM_FORMS = {"en": "Ltd", "pl": "sp. z o.o.", "de": "GmbH", "ro": "SRL"}
FIRST = ["Anna", "Tomasz", "Jürgen", "Ioana", "Marta", "Lukas", "Andrei", "Ewa", "Sabine", "Mihai"]
LAST = ["Nowak", "Schmidt", "Popescu", "Kowalski", "Müller", "Ionescu", "Wójcik", "Fischer"]
# Status of the 100,000 needs: mostly open or closed, as on a board in use for a few years.
STATUS_WEIGHTS = {
    "open": 45,
    "closed": 30,
    "expired": 10,
    "cancelled": 6,
    "pending": 3,
    "draft": 3,
    "changes_requested": 1,
    "rejected": 1,
    "hidden": 1,
}


def chunks(rows: Iterable[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def closing_instant(deadline: date) -> datetime:
    """As board.needs.services.closing_instant, without an application."""
    midnight = datetime.combine(deadline + timedelta(days=1), day_time(0), tzinfo=ZONE)
    return midnight.astimezone(UTC)


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database if it does not exist."""
    target = sa.make_url(url)
    server = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        exists = conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        )
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    server.dispose()


def board_init(url: str) -> None:
    """Create or upgrade the schema and load the taxonomy, the way an operator does."""
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    env.pop("REDIS_URL", None)
    flask = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi", "board", "init"]
    subprocess.run(flask, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def loaded(engine: sa.Engine) -> bool:
    with engine.connect() as conn:
        try:
            count = conn.scalar(sa.select(sa.func.count()).select_from(Need.__table__))
        except sa.exc.DBAPIError:
            return False
    return (count or 0) >= NEEDS


def empty(engine: sa.Engine) -> None:
    """Remove every row the loader writes (and what the board wrote around them)."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "TRUNCATE members, users, needs, offers, need_competences, "
                    "member_competences, user_competences, audit_events, notifications, "
                    "need_matches, applications, application_competences, reports, "
                    "suppressions RESTART IDENTITY CASCADE"
                )
            )


class Generator:
    """The data set, the same on every run."""

    def __init__(self, competences: list[tuple[int, str, str]]) -> None:
        self.random = random.Random(SEED)
        self.competences = competences  # (id, slug, name)
        self.by_area: dict[int, list[tuple[int, str, str]]] = {}
        area_of = {
            slugify(name): area for area, (_, names) in enumerate(TAXONOMY) for name in names
        }
        for competence in competences:
            self.by_area.setdefault(area_of.get(competence[1], 0), []).append(competence)
        self.member_lang: dict[int, str] = {}
        self.member_competences: dict[int, list[int]] = {}
        self.member_users: dict[int, list[int]] = {}
        self.active: set[int] = set()

    def language(self) -> str:
        return self.random.choices(list(LANGUAGE_WEIGHTS), weights=list(LANGUAGE_WEIGHTS.values()))[
            0
        ]

    def pick_competences(self, low: int, high: int) -> list[tuple[int, str, str]]:
        """A few competences, mostly from one area, as real firms and needs have them."""
        area = self.random.choice(list(self.by_area))
        count = self.random.randint(low, high)
        pool = self.by_area[area]
        chosen = self.random.sample(pool, min(len(pool), max(1, count - 1)))
        if len(chosen) < count:
            extra = self.random.choice(self.competences)
            if extra not in chosen:
                chosen.append(extra)
        return chosen

    def members(self) -> Iterator[dict[str, Any]]:
        for i in range(1, MEMBERS + 1):
            lang = self.language()
            self.member_lang[i] = lang
            name = (
                f"{self.random.choice(FIRM_WORDS)} {self.random.choice(FIRM_KINDS)} "
                f"{i:04d} {FIRM_FORMS[lang]}"
            )
            # Firm 1 (the bench user's) and most others are active; a few are suspended.
            status = "active" if i == 1 or self.random.random() < 0.95 else "suspended"
            if status == "active":
                self.active.add(i)
            chosen = self.pick_competences(3, 12)
            self.member_competences[i] = [c[0] for c in chosen]
            yield {
                "id": i,
                "name": name,
                "name_key": " ".join(name.split()).casefold(),
                "slug": slugify(name),
                "description": f"{name}: " + ", ".join(c[2] for c in chosen) + ".",
                "website": f"https://firm{i:04d}.bench.example",
                "country": COUNTRIES[lang],
                "status": status,
                "created_at": NOW - timedelta(days=self.random.randint(400, 1500)),
            }

    def member_competence_rows(self) -> Iterator[dict[str, Any]]:
        for member_id, ids in self.member_competences.items():
            for competence_id in ids:
                yield {"member_id": member_id, "competence_id": competence_id}

    def users(self, password_hash: str) -> Iterator[dict[str, Any]]:
        user_id = 0
        for member_id in range(1, MEMBERS + 1):
            for n in range(1, USERS_PER_MEMBER + 1):
                user_id += 1
                self.member_users.setdefault(member_id, []).append(user_id)
                created = NOW - timedelta(days=self.random.randint(30, 400))
                yield {
                    "id": user_id,
                    "email": f"user{n}@firm{member_id:04d}.bench.example",
                    "name": f"{self.random.choice(FIRST)} {self.random.choice(LAST)}",
                    "password_hash": password_hash,
                    "member_id": member_id,
                    "is_staff": False,
                    "locale": "en",
                    "notify": self.random.choice(["instant", "daily", "off"]),
                    "active": True,
                    "notify_reviews": False,
                    "session_token": f"bench-{user_id}-{self.random.getrandbits(128):032x}",
                    "created_at": created,
                    "invited_at": created,
                    "password_changed_at": created,
                    "last_login_at": None,
                }

    def text(self, lang: str, chosen: list[tuple[int, str, str]]) -> tuple[str, str, str]:
        words = LANGS[lang]
        r = self.random
        names = [c[2] for c in chosen]
        title = words["title"].format(
            n=r.randint(1, 5),
            level=r.choice(words["level"]),
            comp=names[0],
            role=r.choice(words["role"]),
            verb=r.choice(words["verb"]),
            object=r.choice(words["object"]),
        )
        title = title[0].upper() + title[1:]
        paragraphs = []
        for _ in range(r.randint(2, 4)):
            sentences = [
                words["sentence"].format(
                    comp=r.choice(names),
                    verb=r.choice(words["verb"]),
                    object=r.choice(words["object"]),
                )
            ]
            sentences += r.sample(words["filler"], r.randint(1, 3))
            paragraphs.append(" ".join(sentences))
        description = "\n\n".join(paragraphs)
        description_html = "".join(f"<p>{html.escape(p)}</p>\n" for p in paragraphs)
        return title[:200], description, description_html

    def need(self, need_id: int, member_id: int, status: str) -> dict[str, Any]:
        r = self.random
        lang = self.member_lang[member_id]
        chosen = self.pick_competences(1, 5)
        self.need_competences[need_id] = [c[0] for c in chosen]
        title, description, description_html = self.text(lang, chosen)
        if status == "open":
            published = NOW - timedelta(days=r.uniform(0, 60))
            deadline = TODAY + timedelta(days=r.randint(1, 90))
        elif status in ("pending", "draft", "changes_requested", "rejected"):
            published = None
            deadline = TODAY + timedelta(days=r.randint(5, 120))
        else:
            published = NOW - timedelta(days=r.uniform(60, 1000))
            deadline = published.date() + timedelta(days=r.randint(7, 60))
        created = (published or NOW) - timedelta(days=r.uniform(1, 20))
        submitted = created + timedelta(hours=2) if status != "draft" else None
        closed = None
        if status in ("closed", "expired", "cancelled"):
            closed = published + timedelta(days=r.randint(10, 90))  # type: ignore[operator]
        low = Decimal(r.randrange(5_000, 400_000, 500))
        budget = r.random()
        return {
            "id": need_id,
            "member_id": member_id,
            "author_id": r.choice(self.member_users[member_id]),
            "competence_ids": sorted(self.need_competences[need_id]),
            "title": title,
            "description": description,
            "description_html": description_html,
            "budget_min": low if budget < 0.7 else None,
            "budget_max": low * 2 if budget < 0.5 or budget > 0.85 else None,
            "currency": CURRENCY[lang],
            "offer_deadline": deadline,
            "offers_close_at": closing_instant(deadline),
            "expected_start": deadline + timedelta(days=r.randint(7, 60)) if budget < 0.6 else None,
            "duration": r.choice(["", "3 months", "6 months", "12 months"]),
            "work_mode": r.choice(["remote", "hybrid", "onsite"]),
            "location": "" if budget < 0.5 else r.choice(["Wrocław", "Dresden", "Cluj-Napoca"]),
            "work_language": lang,
            "status": status,
            "moderation_reason": "",
            "created_at": created,
            "updated_at": closed or published or created,
            "submitted_at": submitted,
            "published_at": published,
            "moderated_at": published,
            "closed_at": closed,
            "fanned_out_at": published,
            "deadline_reminded_at": None,
            "award_reminded_at": None,
        }

    def needs(self) -> Iterator[dict[str, Any]]:
        self.need_competences: dict[int, list[int]] = {}
        statuses = list(STATUS_WEIGHTS)
        weights = list(STATUS_WEIGHTS.values())
        # Need 1 is the showcase: open, of firm 1, offers from 20 other firms.
        yield self.need(1, 1, "open")
        for need_id in range(2, NEEDS + 1):
            member_id = self.random.randint(1, MEMBERS)
            yield self.need(need_id, member_id, self.random.choices(statuses, weights)[0])

    def need_competence_rows(self) -> Iterator[dict[str, Any]]:
        for need_id, ids in self.need_competences.items():
            for competence_id in ids:
                yield {"need_id": need_id, "competence_id": competence_id}

    def offers(self) -> Iterator[dict[str, Any]]:
        suppliers = sorted(self.active - {1})[:OFFERS_ON_SHOWCASE]
        for offer_id, member_id in enumerate(suppliers, start=1):
            created = NOW - timedelta(hours=offer_id)
            yield {
                "id": offer_id,
                "need_id": 1,
                "member_id": member_id,
                "author_id": self.member_users[member_id][0],
                "message": (
                    "Our team has delivered three similar projects in the last two years. "
                    "We can start with two senior engineers and add a tester in month two."
                ),
                "price": Decimal(self.random.randrange(20_000, 200_000, 100)),
                "currency": "EUR",
                "available_from": TODAY + timedelta(days=14),
                "reference": f"BENCH-{offer_id}",
                "status": "shortlisted" if offer_id % 5 == 0 else "submitted",
                "decline_reason": "",
                "created_at": created,
                "updated_at": created,
                "decided_at": None,
                "hidden_at": None,
                "hidden_reason": "",
            }


def insert(conn: sa.Connection, table: sa.Table, rows: Iterable[dict[str, Any]]) -> int:
    total = 0
    for batch in chunks(rows):
        if table is need_competences and conn.dialect.name == "postgresql":
            insert_need_competences(conn, batch)
        elif table is Need.__table__ and conn.dialect.name == "postgresql":
            conn.execute(sa.insert(NEEDS_WITH_COMPETENCE_IDS), batch)
        else:
            conn.execute(sa.insert(table), [without_competence_ids(row) for row in batch])
        total += len(batch)
    return total


# On PostgreSQL, triggers copy a need's competence ids from need_competences onto the need
# (migration ab337838be4a). The needs go in with their ids already, and each chunk of
# need_competences is one statement, so the triggers run once per chunk and find nothing to
# change instead of updating every need once per competence.
NEEDS_WITH_COMPETENCE_IDS = Need.__table__.to_metadata(sa.MetaData())
NEEDS_WITH_COMPETENCE_IDS.append_column(sa.Column("competence_ids", ARRAY(sa.Integer)))


def insert_need_competences(conn: sa.Connection, batch: list[dict[str, Any]]) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO need_competences (need_id, competence_id) SELECT * FROM "
            "unnest(CAST(:need_ids AS integer[]), CAST(:competence_ids AS integer[]))"
        ),
        {
            "need_ids": [row["need_id"] for row in batch],
            "competence_ids": [row["competence_id"] for row in batch],
        },
    )


def without_competence_ids(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key != "competence_ids"}


def load(url: str, password_hash: str) -> None:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        competences = [
            tuple(row)
            for row in conn.execute(
                sa.select(Competence.id, Competence.slug, Competence.name).order_by(Competence.id)
            )
        ]
    generator = Generator(competences)  # type: ignore[arg-type]
    started = time.perf_counter()
    with engine.begin() as conn:
        steps: list[tuple[str, sa.Table, Iterable[dict[str, Any]]]] = [
            ("members", Member.__table__, generator.members()),
            ("member_competences", member_competences, generator.member_competence_rows()),
            ("users", User.__table__, generator.users(password_hash)),
            ("needs", Need.__table__, generator.needs()),
            ("need_competences", need_competences, generator.need_competence_rows()),
            ("offers", Offer.__table__, generator.offers()),
        ]
        for name, table, rows in steps:
            step = time.perf_counter()
            count = insert(conn, table, rows)
            print(f"  {name}: {count:,} rows in {time.perf_counter() - step:.1f} s")
        if engine.dialect.name == "postgresql":
            for table in ("members", "users", "needs", "offers"):
                conn.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE"))
        else:
            conn.execute(sa.text("ANALYZE"))
            conn.commit()
    engine.dispose()
    print(f"  loaded in {time.perf_counter() - started:.1f} s")


def check(url: str) -> None:
    """Say what is in the database, and that the search objects were filled."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        counts = {
            table: conn.scalar(sa.text(f"SELECT count(*) FROM {table}"))
            for table in ("members", "users", "needs", "need_competences", "member_competences")
        }
        if engine.dialect.name == "postgresql":
            counts["needs with search_vector"] = conn.scalar(
                sa.text("SELECT count(*) FROM needs WHERE search_vector IS NOT NULL")
            )
            counts["needs with competence_ids as in need_competences"] = conn.scalar(
                sa.text(
                    "SELECT count(*) FROM needs WHERE competence_ids = ARRAY("
                    "SELECT competence_id FROM need_competences WHERE need_id = needs.id "
                    "ORDER BY competence_id)"
                )
            )
        else:
            counts["needs_fts rows"] = conn.scalar(
                sa.text("SELECT count(*) FROM needs_fts_docsize")
            )
    engine.dispose()
    print("  " + ", ".join(f"{name} {count:,}" for name, count in counts.items()))


def prepare(url: str, force: bool) -> None:
    name = sa.make_url(url).get_backend_name()
    print(f"{name}: {sa.make_url(url).render_as_string(hide_password=True)}")
    if name == "postgresql":
        ensure_database(url)
    elif SQLITE_PATH.exists() and (force or not loaded(sa.create_engine(url))):
        # A fresh file is the quickest way to empty SQLite (and its FTS5 table).
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    board_init(url)
    engine = sa.create_engine(url)
    if loaded(engine) and not force:
        print("  already loaded (use --force to load again)")
        engine.dispose()
        check(url)
        return
    empty(engine)
    engine.dispose()
    load(url, password_hash())
    check(url)


def password_hash() -> str:
    """One argon2id hash for every user, at the board's production cost (a sign-in verifies it)."""
    return PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4, type=Type.ID).hash(
        BENCH_PASSWORD
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="empty and load again")
    parser.add_argument("--only", choices=("postgresql", "sqlite"), help="load one database")
    args = parser.parse_args(argv)
    if args.only in (None, "postgresql"):
        prepare(POSTGRES_URL, args.force)
    if args.only in (None, "sqlite"):
        prepare(SQLITE_URL, args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
