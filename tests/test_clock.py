"""Cluster time: a deadline day ends at midnight where the cluster is, in winter and in summer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask

from board.clock import closing_instant, cluster_today, day_bounds, local_hour
from board.models import Need, NeedStatus

# Europe/Warsaw, the default: UTC+1 in winter, UTC+2 in summer.
SEASONS = [
    (date(2027, 1, 15), datetime(2027, 1, 15, 23, 0, tzinfo=UTC)),
    (date(2027, 7, 15), datetime(2027, 7, 15, 22, 0, tzinfo=UTC)),
    # The night the clocks go forward: the day has 23 hours.
    (date(2027, 3, 27), datetime(2027, 3, 27, 23, 0, tzinfo=UTC)),
    (date(2027, 3, 28), datetime(2027, 3, 28, 22, 0, tzinfo=UTC)),
]


@pytest.mark.parametrize("deadline, closes", SEASONS)
def test_offers_close_at_the_end_of_the_deadline_day_in_cluster_time(
    app: Flask, deadline: date, closes: datetime
) -> None:
    with app.app_context():
        assert closing_instant(deadline) == closes
        need = Need(status=NeedStatus.OPEN, offers_close_at=closing_instant(deadline))
        assert need.accepts_offers(closes - timedelta(seconds=1))
        assert not need.accepts_offers(closes)
        # The last second before it is still the deadline day where the cluster is.
        assert cluster_today(closes - timedelta(seconds=1)) == deadline
        assert cluster_today(closes) == deadline + timedelta(days=1)


def test_a_day_of_the_cluster_begins_and_ends_at_its_own_midnights(app: Flask) -> None:
    with app.app_context():
        start, end = day_bounds(date(2027, 3, 28))
        assert start == datetime(2027, 3, 27, 23, 0, tzinfo=UTC)
        assert end == datetime(2027, 3, 28, 22, 0, tzinfo=UTC)
        assert local_hour(datetime(2027, 1, 15, 6, 30, tzinfo=UTC)) == 7
        assert local_hour(datetime(2027, 7, 15, 6, 30, tzinfo=UTC)) == 8


def test_another_cluster_time_zone_moves_the_closing_instant(app: Flask) -> None:
    app.config["CLUSTER_TIMEZONE"] = "Europe/Bucharest"
    with app.app_context():
        assert closing_instant(date(2027, 1, 15)) == datetime(2027, 1, 15, 22, 0, tzinfo=UTC)
        assert closing_instant(date(2027, 7, 15)) == datetime(2027, 7, 15, 21, 0, tzinfo=UTC)
