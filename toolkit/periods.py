"""Reporting periods: quarters (``2025-Q4``) and months (``2025-10``), their bounds and names."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class PeriodError(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    label: str

    @property
    def words(self) -> str:
        """``October to December 2025`` (a quarter) or ``October 2025`` (a month)."""
        first, last = MONTHS[self.start.month - 1], MONTHS[self.end.month - 1]
        if self.start.month == self.end.month:
            return f"{first} {self.start.year}"
        return f"{first} to {last} {self.end.year}"

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def quarter(year: int, q: int) -> Period:
    start = dt.date(year, 3 * q - 2, 1)
    return Period(start, _month_end(year, 3 * q), f"{year}-Q{q}")


def month(year: int, m: int) -> Period:
    return Period(dt.date(year, m, 1), _month_end(year, m), f"{year}-{m:02d}")


def parse_period(text: str) -> Period:
    """``2025-Q4`` or ``2025-10``; anything else is a :class:`PeriodError`."""
    if m := _QUARTER.match(text.strip()):
        return quarter(int(m[1]), int(m[2]))
    if m := _MONTH.match(text.strip()):
        return month(int(m[1]), int(m[2]))
    raise PeriodError(f"{text!r} is not a period such as 2025-Q4 or 2025-10")


def quarter_of(day: dt.date) -> Period:
    return quarter(day.year, (day.month - 1) // 3 + 1)


def month_of(day: dt.date) -> Period:
    return month(day.year, day.month)


def previous(period: Period) -> Period:
    """The period before, of the same length (quarter or month)."""
    if "Q" in period.label:
        return quarter_of(period.start - dt.timedelta(days=1))
    return month_of(period.start - dt.timedelta(days=1))


def year_earlier(period: Period) -> Period:
    if "Q" in period.label:
        return quarter(period.start.year - 1, (period.start.month - 1) // 3 + 1)
    return month(period.start.year - 1, period.start.month)


def latest_complete_quarter(as_of: dt.date, last_event: dt.date | None = None) -> Period:
    """The latest quarter that has ended by ``as_of`` (and, if given, that has data)."""
    q = previous(quarter_of(as_of)) if as_of < quarter_of(as_of).end else quarter_of(as_of)
    if last_event is not None:
        while q.start > last_event:
            q = previous(q)
    return q


def quarters_between(first: dt.date, last: dt.date) -> list[Period]:
    out, q = [], quarter_of(first)
    while q.start <= last:
        out.append(q)
        q = quarter_of(q.end + dt.timedelta(days=1))
    return out


def months_between(first: dt.date, last: dt.date) -> list[Period]:
    out, m = [], month_of(first)
    while m.start <= last:
        out.append(m)
        m = month_of(m.end + dt.timedelta(days=1))
    return out
