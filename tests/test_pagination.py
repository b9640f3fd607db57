"""The board's pages of long lists agree with Flask-SQLAlchemy's paginate, page for page."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from board.extensions import db
from board.models import AuditEvent
from board.pagination import paginate

# The pager of the board's pages, and the default one.
PAGER_SHAPES = [{}, {"left_edge": 1, "right_edge": 1, "left_current": 2, "right_current": 2}]


@pytest.mark.parametrize("rows", [0, 1, 7, 43])
def test_every_page_has_the_items_count_and_pager_of_flask_sqlalchemys(
    app: Flask, rows: int
) -> None:
    with app.app_context():
        db.session.add_all(AuditEvent(action="test.row", target_type="test") for _ in range(rows))
        db.session.commit()
        statement = select(AuditEvent).order_by(AuditEvent.id.desc())
        for per_page in (1, 5, 10):
            expected_pages = max(1, -(-rows // per_page))
            for number in range(1, expected_pages + 2):
                ours = paginate(statement, number, per_page)
                theirs = db.paginate(statement, page=number, per_page=per_page, error_out=False)
                assert [e.id for e in ours.items] == [e.id for e in theirs.items]
                assert ours.total == theirs.total == rows
                assert ours.pages == theirs.pages == -(-rows // per_page)
                assert (ours.has_prev, ours.has_next) == (theirs.has_prev, theirs.has_next)
                assert ours.prev_num == theirs.prev_num
                if number < expected_pages:
                    assert ours.next_num == theirs.next_num
                if number <= expected_pages:
                    for shape in PAGER_SHAPES:
                        assert list(ours.iter_pages(**shape)) == list(theirs.iter_pages(**shape))
