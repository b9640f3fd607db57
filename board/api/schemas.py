"""The bodies the API reads and writes, as pydantic models: they validate requests, shape
answers, and are the schemas of the OpenAPI document (JSON Schema 2020-12, OpenAPI 3.1's).

Descriptions are marked for translation (`N_`): the document is in English, and the
documentation page shows them in the reader's language.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from board.forms import MAX_AMOUNT
from board.models import CURRENCIES, NeedStatus, OfferStatus, PriceBasis, WorkMode


def N_(text: str) -> str:
    """Mark a text for the catalogs; it is translated where it is shown."""
    return text


def storable(value: str) -> str:
    """No text field can store a NUL character, nor a lone surrogate (not UTF-8)."""
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode") from None
    return value


Text = Annotated[str, AfterValidator(storable)]
Currency = Literal[CURRENCIES]  # type: ignore[valid-type]
Amount = Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT, decimal_places=2, allow_inf_nan=False)]
# Amounts are answered as strings ("120000.00"): exact, as the board keeps them.
AmountText = Annotated[Decimal, Field(description=N_("An amount with two decimals, as text."))]


class Answer(BaseModel):
    """A model of an answer: built from the board's objects."""

    model_config = ConfigDict(from_attributes=True)


class Request(BaseModel):
    """A model of a request body: every field named, none other."""

    model_config = ConfigDict(extra="forbid")


# Errors -------------------------------------------------------------------------------------


class FieldError(Answer):
    field: str = Field(description=N_("The field of the request, dotted for nested ones."))
    message: str


class Problem(Answer):
    """An error, as problem details (RFC 9457)."""

    type: str = Field(description=N_("What kind of problem: an address on the documentation page."))
    title: str = Field(description=N_("The kind of problem, in English, the same each time."))
    status: int
    detail: str | None = Field(
        default=None, description=N_("What happened this time, in the language asked for.")
    )
    errors: list[FieldError] | None = Field(
        default=None, description=N_("Each field that is not valid, with why.")
    )


# Competences and firms ----------------------------------------------------------------------


class Competence(Answer):
    slug: str = Field(description=N_("What filters and offers name the competence by."))
    name: str
    area: str


class Member(Answer):
    slug: str
    name: str
    country: str = Field(description=N_("ISO 3166 country code, or empty."))
    website: str
    description: str
    competences: list[str] = Field(description=N_("The slugs of the firm's competences."))


class FirmRef(Answer):
    slug: str
    name: str


class Links(Answer):
    next: str | None = Field(description=N_("The address of the next page, or null."))
    prev: str | None = Field(description=N_("The address of the previous page, or null."))


class Paged(Answer):
    page: int
    per_page: int
    total: int = Field(description=N_("How many there are on all pages (see total_exact)."))
    total_exact: bool = Field(
        description=N_("False when a search was counted only up to a limit: there are more.")
    )
    links: Links


class MemberList(Paged):
    items: list[Member]


class CompetenceList(Answer):
    items: list[Competence]


# Needs --------------------------------------------------------------------------------------


class NeedSummary(Answer):
    id: int
    title: str
    status: NeedStatus
    firm: FirmRef = Field(description=N_("The firm that posted the need."))
    competences: list[str] = Field(description=N_("The slugs of the competences it asks for."))
    offer_deadline: date = Field(description=N_("The last day for offers, in cluster time."))
    offers_close_at: datetime = Field(description=N_("The instant offers close (UTC)."))
    question_deadline: date | None
    budget_min: AmountText | None
    budget_max: AmountText | None
    currency: str
    expected_start: date | None
    duration: str
    work_mode: WorkMode
    location: str
    work_language: str
    published_at: datetime | None
    url: str = Field(description=N_("The need's page on the board."))


class NeedList(Paged):
    items: list[NeedSummary]


class PublishedQuestion(Answer):
    question: str
    answer: str
    answered_at: datetime | None


class Clarification(Answer):
    text: str
    created_at: datetime


class NeedDetail(NeedSummary):
    description: str = Field(description=N_("The need's text, in Markdown."))
    questions: list[PublishedQuestion] = Field(
        description=N_("The questions the requester answered, with their answers.")
    )
    clarifications: list[Clarification]
    own_offer_id: int | None = Field(
        description=N_("The id of the offer of the token's firm on this need, if it has one.")
    )


class NeedQuery(Request):
    """The board's search and filters."""

    q: Annotated[Text, Field(max_length=200)] = Field(
        default="", description=N_("Words to find in the title and text.")
    )
    competence: list[str] = Field(
        default_factory=list, description=N_("Competence slugs: needs asking for any of them.")
    )
    status: NeedStatus = Field(
        default=NeedStatus.OPEN,
        description=N_("Firms read published needs, and any of their own firm's."),
    )
    matching: bool = Field(
        default=False, description=N_("Only needs that match the token's firm's competences.")
    )
    sort: Literal["newest", "deadline", "relevance"] = "newest"
    page: int = Field(default=1, ge=1, le=10_000)


class ListQuery(Request):
    page: int = Field(default=1, ge=1, le=10_000)


# Offers -------------------------------------------------------------------------------------


class Offer(Answer):
    id: int
    need_id: int
    need_title: str | None = Field(
        description=N_("Null when the firm may no longer read the need (hidden by staff).")
    )
    status: OfferStatus
    message: str
    price: AmountText
    currency: str
    price_basis: PriceBasis
    available_from: date
    reference: str
    decline_reason: str
    hidden: bool = Field(description=N_("Staff took the offer away from the requester."))
    created_at: datetime
    updated_at: datetime
    edited_at: datetime | None
    decided_at: datetime | None


class OfferList(Paged):
    items: list[Offer]


class OfferIn(Request):
    """A new offer, or the same firm's withdrawn offer sent again."""

    message: Annotated[Text, Field(min_length=1, max_length=10_000)]
    price: Amount
    currency: Currency
    price_basis: PriceBasis = PriceBasis.FIXED
    available_from: date
    reference: Annotated[Text, Field(max_length=100)] = ""


class OfferPatch(Request):
    """The terms of an offer to change; those left out stay as they are."""

    message: Annotated[Text, Field(min_length=1, max_length=10_000)] | None = None
    price: Amount | None = None
    currency: Currency | None = None
    price_basis: PriceBasis | None = None
    available_from: date | None = None
    reference: Annotated[Text, Field(max_length=100)] | None = None
