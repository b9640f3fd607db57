"""A pseudo-language for tests: every text of the board's catalog, visibly transformed.

`pseudo("Sign in")` is "⟦Šîĝñ îñ⟧": ASCII letters become accented look-alikes and the text is
bracketed, while placeholders (`%(name)s`, `%(num)d`, `%%`), HTML tags and entities and the
whitespace around the text stay as they are, so that the board formats and renders it exactly as
it does a real translation. It is compiled for a locale the board does not ship and whose CLDR
data is in another script (`PSEUDO_LOCALE`), so dates, countries and languages that Babel
formats are not ASCII either: any ASCII word on a page in it comes from text that escaped gettext,
or from the data shown.
"""

from __future__ import annotations

import re
from pathlib import Path
from string import ascii_letters

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "board" / "translations" / "messages.pot"
# Greek: Babel knows it, the board does not ship it, and CLDR writes it in Greek letters.
PSEUDO_LOCALE = "el"

LOOK_ALIKES = str.maketrans(ascii_letters, "áƀçďéƒĝĥîĵķĺɱñöþǫŕšţûṽŵẋýžÁƁÇĎÉƑĜĤÎĴĶĹṀÑÖÞǪŔŠŢÛṼŴẊÝŽ")
# What a translation keeps as it is: placeholders, HTML tags and character references.
KEPT = re.compile(
    r"(%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]|%%|%[sd]"
    r"|<[^<>]*>|&(?:#\d+|#x[0-9a-fA-F]+|\w+);)"
)


def pseudo(text: str) -> str:
    """`text` in the pseudo-language."""
    core = text.strip()
    if not core:
        return text
    start = text.index(core)
    pieces = KEPT.split(core)
    # split() puts what KEPT matched at the odd positions.
    body = "".join(p if i % 2 else p.translate(LOOK_ALIKES) for i, p in enumerate(pieces))
    return f"{text[:start]}⟦{body}⟧{text[start + len(core) :]}"


def pseudo_catalog(template: Path = TEMPLATE, locale: str = PSEUDO_LOCALE) -> Catalog:
    """Every message of the catalog template in the pseudo-language, plural forms included."""
    with template.open("rb") as file:
        source = read_po(file)
    catalog = Catalog(locale=locale, domain="messages")
    for message in source:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            singular, plural = message.id
            forms = [pseudo(singular)] + [pseudo(plural)] * (catalog.num_plurals - 1)
            catalog.add(message.id, tuple(forms), context=message.context)
        else:
            catalog.add(message.id, pseudo(message.id), context=message.context)
    return catalog


def compiled_catalogs(folder: Path, catalogs: dict[str, Catalog]) -> Path:
    """Write each catalog, compiled, where Flask-Babel looks for its locale under `folder`."""
    for locale, catalog in catalogs.items():
        target = folder / locale / "LC_MESSAGES"
        target.mkdir(parents=True)
        with (target / "messages.mo").open("wb") as file:
            write_mo(file, catalog)
    return folder


def catalog_of(locale: str, texts: dict[str, str]) -> Catalog:
    """A catalog for `locale` holding these translations."""
    catalog = Catalog(locale=locale)
    for original, translated in texts.items():
        catalog.add(original, translated)
    return catalog
