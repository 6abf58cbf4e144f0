"""The longest gap between two runs of a cron schedule, which a missed-run alert waits for."""

from __future__ import annotations

import pytest

from opsmith.generate.cron_schedule import longest_gap_minutes


@pytest.mark.parametrize(
    ("schedule", "minutes"),
    [
        ("*/5 * * * *", 5),
        ("5-50/15 * * * *", 15),  # 50 to the next hour's 5
        ("0 * * * *", 60),
        ("15 */6 * * *", 6 * 60),
        ("0 0,12 * * *", 12 * 60),
        ("@daily", 24 * 60),
        ("@hourly", 60),
        ("0 3 * * 1-5", 3 * 24 * 60),  # Friday 03:00 to Monday 03:00
        ("0 9 * * MON", 7 * 24 * 60),
        ("0 9 * * 7", 7 * 24 * 60),  # 7 is Sunday too
        ("30 2 1 * *", 31 * 24 * 60),  # the longest month
        ("0 0 1 JAN *", 366 * 24 * 60),  # 2028 is a leap year
        ("0 0 1,15 * 1", 7 * 24 * 60),  # both day fields restricted: either day runs it
    ],
)
def test_the_longest_gap_follows_the_schedule(schedule: str, minutes: int) -> None:
    assert longest_gap_minutes(schedule) == minutes


@pytest.mark.parametrize(
    "schedule", ["0 0 L * *", "0 0 * * 5#3", "61 * * * *", "0 0 * *", "*/0 * * * *", "a b c d e"]
)
def test_a_schedule_it_cannot_read_is_unknown_rather_than_guessed(schedule: str) -> None:
    assert longest_gap_minutes(schedule) is None
