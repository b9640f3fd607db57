"""The board in a language, for tests that use it so: its texts as the catalog gives them, and
a reader who notices what is left in English on a page or in an e-mail.

Tests look their expected texts up here instead of spelling translations out, so a translator's
change of wording does not break them; a text the catalog leaves in English is recorded and
fails the test, as does any English text of the code found on a page or in an e-mail.
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from babel.support import Translations
from playwright.sync_api import Page, expect

from tests.mailbox import html_of, text_of

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "board" / "translations"
LANGUAGES = ("pl", "de", "ro")
# The code's sources as babel.cfg and `make messages` read them, with the same keywords.
SOURCES = (
    ("board", [("**.py", "python")]),
    ("templates", [("**.html", "jinja2"), ("**.txt", "jinja2")]),
)
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "N_": None}
NEED_LINK = r"/needs/\d+"


class Words:
    """The board's texts in one language, from the compiled catalog the board reads."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.catalog = Translations.load(str(TRANSLATIONS), [locale])
        self.untranslated: list[str] = []

    def __call__(self, source: str, **values: Any) -> str:
        """`source` in this language, its placeholders filled in as gettext fills them.

        A text that comes back in English though the translator did not keep it so ("E-mail"
        may stay "E-mail") is recorded in `untranslated`: the test goes on to find the others,
        then fails naming them all.
        """
        text = self.catalog.ugettext(source)
        if text == source and translations(self.locale).get(source) != source:
            if source not in self.untranslated:
                self.untranslated.append(source)
        return text % values if values else text


@cache
def source_texts() -> frozenset[str]:
    """Every text of the code without placeholders, as a page or an e-mail shows it."""
    found: set[str] = set()
    for folder, method_map in SOURCES:
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT / folder), method_map, keywords=KEYWORDS
        ):
            for text in (message,) if isinstance(message, str) else message:
                if text and "%(" not in text and any(c.isalpha() for c in text):
                    found.add(text.replace("%%", "%"))
    return frozenset(found)


@cache
def translations(locale: str) -> dict[str, str]:
    """The language's catalog as its translator left it: each translated source text (each
    form of a plural) and its translation (the first form)."""
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalog = read_po(file)
    found: dict[str, str] = {}
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        ids = message.id if isinstance(message.id, tuple | list) else [message.id]
        if message.id and all(strings) and not message.fuzzy:
            found.update((text.replace("%%", "%"), strings[0].replace("%%", "%")) for text in ids)
    return found


@cache
def english_texts(locale: str) -> frozenset[str]:
    """The texts of the code that the language writes otherwise, or has no translation for:
    on a page in that language, any of them is English left over."""
    kept = {source for source, text in translations(locale).items() if text == source}
    return source_texts() - kept


# Every text a person reads or hears on the page: its text (hidden and closed parts too, which
# a screen reader or a click shows) and the attributes that name or explain things.
PAGE_TEXTS = """
() => {
  const texts = [];
  const walker = document.createTreeWalker(document.documentElement, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (["SCRIPT", "STYLE"].includes(node.parentElement?.tagName)) continue;
    texts.push(node.textContent);
  }
  const named = "[aria-label], [title], [placeholder], [alt], [data-confirm]";
  for (const el of document.querySelectorAll(named)) {
    for (const name of ["aria-label", "title", "placeholder", "alt", "data-confirm"]) {
      if (el.hasAttribute(name)) texts.push(el.getAttribute(name));
    }
  }
  return texts;
}
"""


def english_in(texts: list[str], locale: str) -> list[str]:
    """The texts (or their parts between " · ") left in English in a page or an e-mail."""
    english = english_texts(locale)
    found: list[str] = []
    for text in texts:
        for line in text.splitlines():
            for part in (line, *line.split(" · ")):
                part = " ".join(part.split())
                if part in english and part not in found:
                    found.append(part)
    return found


def subject_of(message: EmailMessage) -> str:
    """The Subject as a mail client shows it (without the space of Python's fold)."""
    return message["Subject"].strip()


class Reader:
    """Checks that what a person reads is in the journey's language, and gathers what is not."""

    def __init__(self, words: Words) -> None:
        self.words = words
        self.english: dict[str, list[str]] = {}  # each text left in English: where it was
        self.pages: list[str] = []
        self.emails: list[str] = []

    def page(self, page: Page) -> None:
        """The page shown now: `<html lang>` is the language, and no text is left in English."""
        expect(page.locator("html")).to_have_attribute("lang", self.words.locale)
        where = "/" + page.url.split("/", 3)[-1]
        self.pages.append(where)
        for text in english_in(page.evaluate(PAGE_TEXTS), self.words.locale):
            self.english.setdefault(text, []).append(where)

    def email(self, message: EmailMessage, subject_text: str, *sentences: str) -> str:
        """An e-mail's subject and sentences, in the language in both parts; its need link."""
        assert subject_of(message) == subject_text
        self.emails.append(subject_text)
        text, html = text_of(message), html_of(message)
        for sentence in sentences:
            assert sentence in text, f"{sentence!r} is not in the e-mail:\n{text}"
        assert f'<html lang="{self.words.locale}">' in html
        for found in english_in([subject_of(message), text], self.words.locale):
            self.english.setdefault(found, []).append(f"e-mail {subject_of(message)!r}")
        link = re.search(r"https?://\S+" + NEED_LINK, text)
        assert link, f"no link to a need in the e-mail:\n{text}"
        assert link.group(0) in html
        return link.group(0)

    def assert_all_translated(self) -> None:
        lines = [f"{text!r} (looked up in the catalog)" for text in self.words.untranslated]
        lines += [
            f"{text!r} on {', '.join(dict.fromkeys(places))}"
            for text, places in self.english.items()
        ]
        assert lines == [], f"left in English in {self.words.locale}:\n" + "\n".join(lines)
