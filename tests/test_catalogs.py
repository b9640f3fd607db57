"""The catalogs: each language has every text of the template, translated, with the source's
placeholders; the template has every text of the code."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from board import i18n

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "board" / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
LANGUAGES = sorted(path.parent.parent.name for path in TRANSLATIONS.glob("*/LC_MESSAGES/*.po"))
# What a translation must carry over from its source as it is: named values and a literal %.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%%")


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=locale)


def texts(catalog: Catalog) -> set[str]:
    """The source texts of a catalog (a plural's by its singular)."""
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def problems(template: Catalog, catalog: Catalog) -> list[str]:
    """What is wrong with `catalog` against `template`, one line each (none: it is complete)."""
    found: list[str] = []
    for source in template:
        if not source.id:
            continue
        name = source.id[0] if isinstance(source.id, tuple | list) else source.id
        translated = catalog.get(source.id, source.context)
        if translated is None or not _forms(translated) or not all(_forms(translated)):
            found.append(f"untranslated: {name!r}")
            continue
        if translated.fuzzy:
            found.append(f"fuzzy: {name!r}")
        found += [f"{problem}: {name!r}" for problem in _form_problems(source, translated, catalog)]
    known = texts(template)
    for message in catalog:
        name = message.id if isinstance(message.id, str) else message.id[0]
        if message.id and name not in known:
            found.append(f"not in the template: {name!r}")
    return found


def _forms(message: Message) -> list[str]:
    string = message.string
    return list(string) if isinstance(string, tuple | list) else [string]


def _form_problems(source: Message, translated: Message, catalog: Catalog) -> list[str]:
    if not isinstance(source.id, tuple | list):
        (form,) = _forms(translated)
        return [] if placeholders(form) == placeholders(source.id) else ["placeholders differ"]
    forms = _forms(translated)
    if len(forms) != catalog.num_plurals:
        return [f"{len(forms)} plural forms, not {catalog.num_plurals}"]
    expected = placeholders(source.id[1])
    # A form for one thing may say "one" instead of the number, as the English singular may.
    return [
        "placeholders differ"
        for form in forms
        if not (placeholders(form) == expected or placeholders(form) == expected - {"%(num)d"})
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_catalog_translates_every_text_with_its_placeholders(language: str) -> None:
    catalog = read(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", language)
    assert problems(read(TEMPLATE), catalog) == []
    assert catalog.num_plurals == {"de": 2, "pl": 3, "ro": 3}.get(language, catalog.num_plurals)


def test_the_board_speaks_the_cluster_s_languages() -> None:
    assert {"de", "pl", "ro"} <= set(LANGUAGES)


def test_a_missing_an_untranslated_a_fuzzy_or_a_broken_entry_is_found() -> None:
    """The check above fails on one entry gone wrong, whichever way it went wrong."""
    template = read(TEMPLATE)
    complete = read(TRANSLATIONS / "pl" / "LC_MESSAGES" / "messages.po", "pl")
    assert problems(template, complete) == []
    singular = next(m for m in template if isinstance(m.id, str) and "%(" in m.id)
    plural = next(m for m in template if isinstance(m.id, tuple | list))
    plain = next(m for m in template if m.id and isinstance(m.id, str) and "%" not in m.id)

    def broken(change: str) -> list[str]:
        catalog = read(TRANSLATIONS / "pl" / "LC_MESSAGES" / "messages.po", "pl")
        if change == "missing":
            catalog.delete(plain.id)
        elif change == "untranslated":
            catalog[plain.id].string = ""
        elif change == "fuzzy":
            catalog[plain.id].flags.add("fuzzy")
        elif change == "placeholder":
            catalog[singular.id].string = PLACEHOLDER.sub("%(nazwa)s", catalog[singular.id].string)
        elif change == "plural form":
            catalog[plural.id].string = tuple(catalog[plural.id].string)[:2]
        elif change == "stale":
            catalog.add("A text the code no longer has", "Tekst, którego już nie ma")
        return problems(template, catalog)

    assert broken("missing") == [f"untranslated: {plain.id!r}"]
    assert broken("untranslated") == [f"untranslated: {plain.id!r}"]
    assert broken("fuzzy") == [f"fuzzy: {plain.id!r}"]
    assert broken("placeholder") == [f"placeholders differ: {singular.id!r}"]
    assert broken("plural form") == [f"2 plural forms, not 3: {plural.id[0]!r}"]
    assert broken("stale") == ["not in the template: 'A text the code no longer has'"]


@pytest.mark.processes
def test_the_template_has_every_text_of_the_code(tmp_path: Path) -> None:
    """`make messages` was run after the last text changed: extracting again adds nothing."""
    extracted = tmp_path / "messages.pot"
    pybabel = str(Path(sys.executable).parent / "pybabel")
    keywords = ["-k", "_l", "-k", "lazy_gettext", "-k", "N_"]
    command = [pybabel, "extract", "-F", "babel.cfg", *keywords, "-o", str(extracted), "."]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    ids = {
        message.id if isinstance(message.id, str) else message.id[0] for message in read(TEMPLATE)
    }
    new = {m.id if isinstance(m.id, str) else m.id[0] for m in read(extracted)} - ids
    assert new == set(), "run `make messages`"


def test_a_catalog_changed_since_it_was_compiled_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The board starts without the languages it cannot read, and says which (a warning)."""
    for language, compiled in (("pl", True), ("de", False), ("ro", "stale")):
        folder = tmp_path / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        if compiled == "stale":
            (folder / "messages.mo").write_bytes(b"")
            os.utime(folder / "messages.mo", (0, 0))
        (folder / "messages.po").write_text("")
        if compiled is True:
            (folder / "messages.mo").write_bytes(b"")
    monkeypatch.setattr(i18n, "TRANSLATIONS", tmp_path)
    assert [path.parent.parent.name for path in i18n.uncompiled_catalogs()] == ["de", "ro"]
