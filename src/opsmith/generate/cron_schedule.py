"""How long a cron schedule can leave between two runs, so an alert knows when a run is missed.

The five fields are expanded (numbers, `*`, ranges, steps, lists, month and weekday names) and
the runs of a year are laid out from a fixed date; the longest gap between two of them is the
answer. A field this module does not read (`L`, `W`, `#`) makes the schedule unknown, and the
caller falls back to a day.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
_DAYS = {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
_START = date(2027, 1, 1)  # the next two years include a leap year: a yearly gap of 366 days
_DAYS_LAID_OUT = 2 * 366
_MAX_RUNS = 50_000


def _field(text: str, low: int, high: int, names: dict[str, int]) -> set[int] | None:
    values: set[int] = set()
    for part in text.lower().split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            return None
        bounds = _bounds(body, low, high, names, stepped=step is not None)
        if bounds is None:
            return None
        first, last = bounds
        if not (low <= first <= high and low <= last <= high):
            return None
        values.update(range(first, last + 1, step or 1))
    return values


def _bounds(
    body: str, low: int, high: int, names: dict[str, int], *, stepped: bool
) -> tuple[int, int] | None:
    """The first and last value of one part of a field (`*`, `a-b`, or `a`, which a step runs from)."""
    if body in ("*", "?"):
        return low, high
    a, dash, b = body.partition("-")
    first = _value(a, names)
    last = _value(b, names) if dash else (high if stepped else first)
    return None if first is None or last is None else (first, last)


def _value(text: str, names: dict[str, int]) -> int | None:
    if text.isdigit():
        return int(text)
    return names.get(text)


def longest_gap_minutes(schedule: str) -> int | None:
    """The longest time between two runs of `schedule`, in minutes; None when it cannot be read."""
    fields = _MACROS.get(schedule.strip().lower(), schedule).split()
    if len(fields) != 5:
        return None
    minutes = _field(fields[0], 0, 59, {})
    hours = _field(fields[1], 0, 23, {})
    days = _field(fields[2], 1, 31, {})
    months = _field(fields[3], 1, 12, _MONTHS)
    weekdays = _field(fields[4], 0, 7, _DAYS)
    if None in (minutes, hours, days, months, weekdays):
        return None
    assert minutes and hours and days is not None and months is not None and weekdays is not None
    weekdays = {d % 7 for d in weekdays}  # 7 is Sunday too
    # cron runs on a day that matches either day field when both are restricted
    either = fields[2] not in ("*", "?") and fields[4] not in ("*", "?")
    times = sorted(h * 60 + m for h in hours for m in minutes)
    runs: list[int] = []
    for offset in range(_DAYS_LAID_OUT):
        day = _START + timedelta(days=offset)
        by_date, by_weekday = day.day in days, (day.isoweekday() % 7) in weekdays
        if day.month in months and ((by_date or by_weekday) if either else (by_date and by_weekday)):
            runs.extend(offset * 1440 + t for t in times)
            if len(runs) > _MAX_RUNS:
                break
    if len(runs) < 2:
        return None
    return max(b - a for a, b in pairwise(runs))
