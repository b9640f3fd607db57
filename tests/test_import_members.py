"""`flask board import-members FILE.csv`: firms and their contacts from a spreadsheet."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from slugify import slugify
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from board.extensions import db
from board.members.importing import CsvRow, ImportInterrupted, import_members
from board.models import AuditEvent, Competence, Member, MemberStatus, User, utcnow
from tests import factories
from tests.mailbox import Mailbox, text_of

HEADER = ["name", "country", "website", "competences", "email"]
PLACES = {
    "PL": ["Wrocław", "Kraków", "Gdańsk", "Łódź", "Poznań", "Szczecin", "Lublin", "Białystok",
           "Rzeszów", "Toruń", "Opole", "Zielona Góra", "Kielce", "Olsztyn", "Bydgoszcz",
           "Katowice", "Gliwice", "Żywiec", "Świdnica", "Legnica", "Płock", "Radom",
           "Tarnów", "Elbląg", "Koszalin"],
    "DE": ["Dresden", "Leipzig", "Görlitz", "Chemnitz", "Zwickau", "Cottbus", "Potsdam",
           "Köln", "München", "Nürnberg", "Würzburg", "Düsseldorf", "Lübeck", "Jena",
           "Erfurt", "Weimar", "Halle", "Magdeburg", "Rostock", "Schwerin", "Bautzen",
           "Freiberg", "Plauen", "Meißen", "Frankfurt (Oder)"],
    "RO": ["Cluj", "Iași", "Timișoara", "Brașov", "Sibiu", "Oradea", "Constanța", "Craiova",
           "Galați", "Ploiești", "Arad", "Bacău", "Suceava", "Târgu Mureș", "Baia Mare",
           "Pitești", "Alba Iulia", "Bistrița", "Deva", "Satu Mare", "Hunedoara", "Focșani",
           "Botoșani", "Reșița", "Zalău"],
}  # fmt: skip
WORDS = (
    "Software Data Cloud Systems Digital Code Labs Security Consulting Analytics Games "
    "Automation Networks Solutions Apps"
).split()
LEGAL = {"PL": "sp. z o.o.", "DE": "GmbH", "RO": "SRL"}
SKILLS = (
    "python kotlin kubernetes aws penetration-testing sap-s-4hana unity test-automation "
    "figma-prototyping power-bi terraform"
).split()

# Line in the file → what the report must say about it.
BAD_LINES = {
    7: "unknown competence 'cobol-on-cards'",
    12: "e-mail 'x@' is not valid",
    15: "the firm name is missing",
    20: "'odra software SP. Z O.O.' appears twice in the file (first on line 4)",
    30: "OFFICE@krakow-software.example already belongs to a user of another firm",
    101: "country 'XX' is not an ISO 3166 country code",
    250: "website 'ftp://files.example' is not a web address",
    499: "the e-mail address is missing",
    777: "competence 'godot' is retired",
    1001: "1 more value than the header has columns",
}


def firm_rows(count: int) -> list[list[str]]:
    """`count` good rows: distinct firms in PL, DE and RO, each with its own contact."""
    combos = [
        (country, place, word)
        for word in WORDS
        for country in ("PL", "DE", "RO")
        for place in PLACES[country]
    ]
    rows = []
    for i, (country, place, word) in enumerate(combos[:count]):
        domain = slugify(f"{place} {word}")
        website = ("", f"{domain}.example", f"https://www.{domain}.example/")[i % 3]
        skills = ";".join(SKILLS[(i + k) % len(SKILLS)] for k in range(i % 4))
        name = f"{place} {word} {LEGAL[country]}"
        if i % 50 == 0:
            name = f"{place} {word}, {LEGAL[country]}"  # a comma the writer must quote
        rows.append([name, country, website, skills, f"office@{domain}.example"])
    return rows


def thousand_rows() -> list[list[str]]:
    """1,000 data rows (lines 2 to 1001), of which the ten lines of BAD_LINES are bad."""
    rows = firm_rows(1000)
    at = {line: line - 2 for line in BAD_LINES}
    rows[4 - 2][0] = "Odra Software sp. z o.o."
    rows[at[7]][3] = "python;cobol-on-cards"
    rows[at[12]][4] = "x@"
    rows[at[15]][0] = "   "
    rows[at[20]][0] = "  odra  software SP. Z O.O. "
    assert rows[3 - 2][4] == "office@krakow-software.example"
    rows[at[30]][4] = "OFFICE@krakow-software.example"  # the contact of line 3
    rows[at[101]][1] = "XX"
    rows[at[250]][2] = "ftp://files.example"
    rows[at[499]] = rows[at[499]][:4]  # the last column is missing
    rows[at[777]][3] = "godot;unity"
    name = rows[at[1001]][0]
    rows[at[1001]] = [*name.split(" ", 1), *rows[at[1001]][1:]]  # an unquoted comma
    return rows


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def refused_lines(output: str) -> dict[int, str]:
    return {int(n): reason for n, reason in re.findall(r"^ *line (\d+): (.+)$", output, re.M)}


def retire(slug: str) -> None:
    competence = db.session.scalar(select(Competence).where(Competence.slug == slug))
    assert competence is not None
    competence.retired_at = utcnow()
    db.session.commit()


def test_a_thousand_firms_are_imported_and_each_bad_line_is_named(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    with app.app_context():
        retire("godot")
    path = write_csv(tmp_path / "members.csv", thousand_rows())

    result = runner.invoke(args=["board", "import-members", str(path)])

    assert result.exit_code == 0, result.output
    assert "990 member firms added, 0 unchanged, 10 lines refused:" in result.output
    refused = refused_lines(result.output)
    assert sorted(refused) == sorted(BAD_LINES)
    for line, reason in BAD_LINES.items():
        assert reason in refused[line], (line, refused[line])
    with app.app_context():
        members = db.session.scalars(select(Member)).all()
        assert len(members) == 990
        assert {m.status for m in members} == {MemberStatus.ACTIVE}
        assert {m.country for m in members} == {"PL", "DE", "RO"}
        contacts = db.session.execute(select(User.member_id, User.password_hash)).all()
        assert sorted(m for m, _ in contacts) == sorted(m.id for m in members)
        assert {password for _, password in contacts} == {None}
        imported = db.session.scalars(
            select(AuditEvent.target_id).where(AuditEvent.action == "member.imported")
        ).all()
        assert sorted(imported) == sorted(m.id for m in members)
        assert len({m.slug for m in members}) == 990
        odra = db.session.scalar(select(Member).where(Member.name == "Odra Software sp. z o.o."))
        assert odra is not None and odra.users[0].email == "office@gdansk-software.example"
        quoted = db.session.scalar(
            select(Member).where(Member.name == "Wrocław Software, sp. z o.o.")
        )
        assert quoted is not None and quoted.website == ""
        bare = db.session.scalar(select(Member).where(Member.name == "Kraków Software sp. z o.o."))
        assert bare is not None and bare.website == "https://krakow-software.example"
        assert [c.slug for c in bare.competences] == ["kotlin"]

    again = runner.invoke(args=["board", "import-members", str(path)])

    assert again.exit_code == 0, again.output
    assert "0 member firms added, 990 unchanged, 10 lines refused:" in again.output
    assert refused_lines(again.output) == refused
    with app.app_context():
        assert db.session.scalar(select(func.count(Member.id))) == 990
        assert db.session.scalar(select(func.count(User.id))) == 990


def test_invited_contacts_get_one_invitation_and_a_second_run_sends_none(
    app: Flask, runner: FlaskCliRunner, mailbox: Mailbox, tmp_path: Path
) -> None:
    rows = firm_rows(3)
    path = write_csv(tmp_path / "members.csv", rows)

    result = runner.invoke(args=["board", "import-members", str(path), "--invite"])

    assert result.exit_code == 0, result.output
    assert "3 member firms added, 0 unchanged, 0 lines refused." in result.output
    messages = mailbox.wait_for(3)
    assert sorted(m["To"] for m in messages) == sorted(row[4] for row in rows)
    assert all("http://board.test/invitations/" in text_of(m) for m in messages)
    with app.app_context():
        users = db.session.scalars(select(User)).all()
        assert len(users) == 3 and all(u.invited_at and u.member for u in users)
        assert (
            db.session.scalar(
                select(func.count(AuditEvent.id)).where(AuditEvent.action == "member.imported")
            )
            == 3
        )

    again = runner.invoke(args=["board", "import-members", str(path), "--invite"])

    assert again.exit_code == 0, again.output
    assert "0 member firms added, 3 unchanged, 0 lines refused." in again.output
    assert len(mailbox.messages) == 3


@pytest.mark.parametrize(
    "content",
    ["firm,mail\nOdra Software,anna@odra.example\n", "", "Odra Software,PL,,,anna@odra.example\n"],
    ids=["other columns", "empty", "no header"],
)
def test_a_file_without_the_expected_header_is_refused_with_the_columns_it_needs(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, content: str
) -> None:
    path = tmp_path / "members.csv"
    path.write_text(content, encoding="utf-8")

    result = runner.invoke(args=["board", "import-members", str(path)])

    assert result.exit_code == 1
    assert "name,country,website,competences,email" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Member.id))) == 0


def test_a_spreadsheet_export_with_bom_crlf_quotes_and_spaces_is_read(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    with app.app_context():
        factories.make_member("Żuraw Games sp. z o.o.")
    content = (
        "\ufeff Name , Country,Website, Competences ,E-mail\r\n"
        ' "Odra Software, sp. z o.o." , pl , odra.example , "python; Kotlin" , '
        "Anna@Odra.example \r\n"
        'Spreewerk Digital GmbH,DE,https://spreewerk.example/,"aws,terraform",'
        "lena@spreewerk.example\r\n"
        "\r\n"
        "ŻURAW   GAMES SP. Z O.O.,PL,,,michal@zuraw.example\r\n"
        "Someș Data SRL,RO,,,radu@somes.example,,\r\n"
        "Ceahlău Software SRL,RO\r\n"
    )
    path = tmp_path / "export.csv"
    path.write_bytes(content.encode("utf-8"))

    result = runner.invoke(args=["board", "import-members", str(path)])

    assert result.exit_code == 0, result.output
    assert "3 member firms added, 1 unchanged, 1 line refused:" in result.output
    assert refused_lines(result.output) == {7: "the e-mail address is missing"}
    with app.app_context():
        odra = db.session.scalar(select(Member).where(Member.name == "Odra Software, sp. z o.o."))
        assert odra is not None
        assert (odra.country, odra.website) == ("PL", "https://odra.example")
        assert [c.slug for c in odra.competences] == ["python", "kotlin"]
        assert odra.users[0].email == "anna@odra.example"
        spreewerk = db.session.scalar(select(Member).where(Member.slug == "spreewerk-digital-gmbh"))
        assert spreewerk is not None
        assert {c.slug for c in spreewerk.competences} == {"aws", "terraform"}
        assert db.session.scalar(select(func.count(Member.id))) == 4


def test_names_differing_only_in_invisible_characters_or_letter_forms_are_one_firm(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    with app.app_context():
        factories.make_member("Żuraw Games sp. z o.o.")
    path = write_csv(
        tmp_path / "members.csv",
        [
            ["Żuraw\u200b Games sp.\u00ad z o.o.", "PL", "", "", "michal@zuraw.example"],
            ["\ufeffElbtal Systemtechnik\u2060 GmbH", "DE", "", "", "matthias@elbtal.example"],
            ["\uff25\uff4c\uff42\uff54\uff41\uff4c Systemtechnik GmbH", "DE", "", "", "x@e.de"],
        ],
    )

    result = runner.invoke(args=["board", "import-members", str(path)])

    assert result.exit_code == 0, result.output
    assert "1 member firm added, 1 unchanged, 1 line refused:" in result.output
    assert refused_lines(result.output) == {
        4: "'Ｅｌｂｔａｌ Systemtechnik GmbH' appears twice in the file (first on line 3)"
    }
    with app.app_context():
        names = db.session.scalars(select(Member.name).order_by(Member.id)).all()
        assert names == ["Żuraw Games sp. z o.o.", "Elbtal Systemtechnik GmbH"]


def test_cells_reach_the_terminal_with_control_characters_escaped(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "members.csv",
        [
            ["Odra Software", "\x1b[2J", "", "", "anna@odra.example"],
            ["Spreewerk\x1b]0;owned\x07 GmbH", "DE", "", "", "lena@spreewerk.example"],
            ["Elbtal GmbH", "DE", "", "", "ok\r@elbtal.example"],
            ["Someș Data SRL", "RO", "somes.example/\x1b[0m", "", "radu@somes.example"],
            ["Ceahlău SRL", "RO", "", "python;\u202ekotlin", "mihai@ceahlau.example"],
        ],
    )

    result = runner.invoke(args=["board", "import-members", str(path)])

    assert result.exit_code == 0, result.output
    for raw in ("\x1b", "\x07", "\r", "\u202e"):
        assert raw not in result.output
    assert refused_lines(result.output) == {
        2: "country '\\x1b[2J' is not an ISO 3166 country code like PL, DE or RO",
        3: "the firm name 'Spreewerk\\x1b]0;owned\\x07 GmbH' contains control characters",
        4: "e-mail 'ok\\r@elbtal.example' is not valid",
        # The quoted carriage return ends line 4 of the file; its row goes on on line 5.
        6: "website 'somes.example/\\x1b[0m' is not a web address like https://firm.com",
        7: "unknown competence '\\u202ekotlin'",
    }
    with app.app_context():
        assert db.session.scalar(select(func.count(Member.id))) == 0


def test_semicolons_another_column_order_and_a_missing_last_column_are_read(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "excel-de.csv"
    path.write_text(
        "name;email;country;website;competences\n"
        "Elbtal Systemtechnik GmbH;matthias@elbtal.example;DE;elbtal.example;python,docker\n"
        "Pleißetal Consulting GmbH;juergen@pleissetal.example;DE\n",
        encoding="utf-8",
    )

    result = runner.invoke(args=["board", "import-members", str(path)])

    assert result.exit_code == 0, result.output
    assert "2 member firms added, 0 unchanged, 0 lines refused." in result.output
    with app.app_context():
        elbtal = db.session.scalar(select(Member).where(Member.name.startswith("Elbtal")))
        assert elbtal is not None and [c.slug for c in elbtal.competences] == ["python", "docker"]


def test_a_file_that_is_not_utf8_is_refused(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "cp1250.csv"
    path.write_bytes("name,email\nŻuraw Games,michal@zuraw.example\n".encode("cp1250"))

    result = runner.invoke(args=["board", "import-members", str(path)])

    assert result.exit_code == 1
    assert "is not UTF-8" in result.output


def test_a_firm_added_meanwhile_stops_the_import_without_leaving_half_a_firm(
    app: Flask, tmp_path: Path
) -> None:
    rows = [
        CsvRow(line, dict(zip(HEADER, row, strict=True)))
        for line, row in enumerate(firm_rows(3), start=2)
    ]

    def rows_while_staff_adds_the_first_firm() -> Iterator[CsvRow]:
        # Another connection commits the same firm after the import looked for it.
        with Session(db.engine) as other:
            other.add(Member(name=rows[0]["name"], slug="taken-meanwhile"))
            other.commit()
        yield from rows

    with app.app_context():
        with pytest.raises(ImportInterrupted, match="line 2: .* run the import again"):
            import_members(rows_while_staff_adds_the_first_firm(), invite=False, actor=None)
        assert db.session.scalar(select(func.count(Member.id))) == 1
        assert db.session.scalar(select(func.count(User.id))) == 0
        assert db.session.scalar(select(func.count(AuditEvent.id))) == 0

        report = import_members(rows, invite=False, actor=None)

        assert (report.created, report.unchanged, report.errors) == (2, 1, [])
