"""On a phone (390 px wide) the pages a member uses fit the screen: no sideways scrolling."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from board.extensions import db
from board.models import Need, NeedStatus, OfferStatus
from tests import factories
from tests.browser.actions import sign_in

PHONE = {"width": 390, "height": 844}
# The longest title the form takes, in long words, and one long word that cannot wrap at a space.
LONG_TITLE = (
    "Senior Kotlin and Kubernetes engineers for the modernisation of an invoice-processing "
    "platform with Terraform, Ansible, PostgreSQL replication and a payment API security audit"
)[:200]
LONG_WORD = "Rechnungsverarbeitungsplattformmodernisierungsprojektunterstützung" * 2
LONG_FIRM = "Pleißetal Consulting und Systemintegrationsgesellschaft mbH"


@dataclass(frozen=True)
class Cast:
    requester: factories.Account
    supplier: factories.Account
    need_ids: tuple[int, int]
    firm_slugs: tuple[str, str]


@pytest.fixture
def cast(app: Flask) -> Cast:
    return make_cast(app)


def make_cast(app: Flask, locale: str = "en") -> Cast:
    """A firm with a long name and two needs with long titles, each with two offers; the
    first need is awarded. The requester and the supplier read the board in `locale`."""
    with app.app_context():
        odra = factories.make_member(LONG_FIRM, competences=("kotlin", "python"))
        wisla = factories.make_member("Wisła Cloud", competences=("kotlin", "kubernetes"))
        tatry = factories.make_member("Tatry Apps", competences=("kotlin",))
        requester = factories.make_user(odra, email="agnieszka@odra.example", locale=locale)
        supplier = factories.make_user(wisla, email="piotr@wisla.example", locale=locale)
        ids = []
        for title in (LONG_TITLE, LONG_WORD):
            need = factories.make_need(odra, requester.id, title=title)
            factories.make_offer(need, wisla, supplier.id, price="123456789.50")
            factories.make_offer(need, tatry)
            ids.append(need.id)
        awarded = db.session.get(Need, ids[0])
        awarded.status = NeedStatus.CLOSED
        awarded.offers[0].status = OfferStatus.ACCEPTED
        awarded.offers[1].status = OfferStatus.DECLINED
        db.session.commit()
        return Cast(requester, supplier, (ids[0], ids[1]), (odra.slug, wisla.slug))


# The elements that reach past the right edge of the screen, outermost first.
OVERFLOWING = """
() => Array.from(document.querySelectorAll("body *"))
  .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .slice(0, 3)
  .map((el) => `${el.tagName.toLowerCase()}.${el.className} to ${el.getBoundingClientRect().right}`)
"""


def overflow(page: Page, base_url: str, path: str, *shown: str) -> str | None:
    """What makes `path` wider than the screen, or None when it fits."""
    response = page.goto(f"{base_url}{path}")
    assert response is not None and response.ok, f"{path} answered {response and response.status}"
    for text in shown:
        expect(page.get_by_text(text, exact=False).first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    if width <= PHONE["width"]:
        return None
    return f"{path} is {width} px wide: {page.evaluate(OVERFLOWING)}"


def test_my_needs_fits_a_phone_screen(cast: Cast, live_server: str, page: Page) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, cast.requester.email, cast.requester.password)
    assert overflow(page, live_server, "/needs/mine", LONG_TITLE, LONG_WORD) is None
    # Every column is on the screen too, not in a box to scroll sideways.
    cells = page.evaluate(
        "Array.from(document.querySelectorAll('td, th'), (td) => td.getBoundingClientRect().right)"
    )
    assert len(cells) == 12 and max(cells) <= PHONE["width"], cells


@pytest.mark.parametrize("who", ["requester", "supplier"])
def test_the_other_pages_a_member_uses_fit_a_phone_screen(
    cast: Cast, live_server: str, page: Page, who: str
) -> None:
    page.set_viewport_size(PHONE)
    account = cast.requester if who == "requester" else cast.supplier
    sign_in(page, live_server, account.email, account.password)
    too_wide = [overflow(page, live_server, *visit) for visit in member_visits(cast, who)]
    assert [found for found in too_wide if found] == []


def member_visits(cast: Cast, who: str) -> list[tuple[str, ...]]:
    """The pages the requester or the supplier uses, each with texts it must show."""
    visits = [("/needs", LONG_WORD[:40])]
    visits += [(f"/needs/{need_id}",) for need_id in cast.need_ids]
    if who == "supplier":
        visits += [("/offers", LONG_TITLE, LONG_WORD[:40]), (f"/needs/{cast.need_ids[1]}/offer",)]
    else:
        # The comparison's table scrolls in a box of its own; the page around it fits.
        visits += [(f"/needs/{need_id}/offers", "Wisła Cloud") for need_id in cast.need_ids]
    visits += [("/members",), *((f"/members/{slug}",) for slug in cast.firm_slugs)]
    visits += [("/member",), ("/account",)]
    return visits
