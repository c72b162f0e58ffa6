"""Identifiers of people in free text: telephone numbers, e-mail addresses, passport numbers
and Korean resident registration numbers.

Text is normalised first (NFKC, so full-width digits and ``＠`` read as their ASCII forms, and
the invisible characters of :mod:`toolkit.textsafety` removed, so that ``010‍1234‍5678`` is a
telephone number). Telephone numbers are found by libphonenumber's matcher (``phonenumbers``)
for the regions of the records and international numbers, with their digits grouped as that
region groups them (so an IP address is not one); resident registration numbers are
checked by ``python-stdnum`` (its date of birth and region; numbers issued since October 2020
carry no check digit, so a failed check digit still counts). Passport numbers and e-mail
addresses have no matcher in those libraries: their patterns are below, each from the standard
that defines the format. Names of people cannot be found by any pattern: free text is also held
back from publication until reviewed (:mod:`toolkit.checks.review`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
import polars as pl
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.kr import rrn

from toolkit.textsafety import FORBIDDEN

#: Regions whose national telephone formats are recognised without a country code: South
#: Korea and the countries of the records (Cambodia, Myanmar, Laos, Thailand, Viet Nam, the
#: Philippines, China).
REGIONS = ("KR", "KH", "MM", "LA", "TH", "VN", "PH", "CN")
#: An e-mail address: a local part and a domain with a dot (RFC 5322's dot-atom form).
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
#: Korean passports (ICAO Doc 9303 machine-readable numbers): one letter and eight digits
#: (M12345678), or since 2021 a letter, three digits, a letter and four digits (M123A4567).
PASSPORT = re.compile(r"(?<![A-Za-z0-9])[A-Z](?:\d{8}|\d{3}[A-Z]\d{4})(?![A-Za-z0-9])")
#: Thirteen digits, perhaps with a hyphen after the sixth, not part of a longer word (a
#: checksum's hex digits): a resident registration number's shape, confirmed by python-stdnum.
_RRN_SHAPE = re.compile(r"(?<![A-Za-z0-9])(\d{6})-?(\d{7})(?![A-Za-z0-9])")
#: Text that could hold any of them (seven digits, or an @): the others are never looked at.
CANDIDATE = r"(?:[0-9０-９][^0-9０-９]*){7}|[@＠]"


@dataclass(frozen=True)
class Identifier:
    kind: str  # "telephone number" | "e-mail address" | "passport number" | ...
    start: int
    end: int


def normalise(text: str) -> str:
    """NFKC, with the invisible and direction characters removed."""
    return FORBIDDEN.sub("", unicodedata.normalize("NFKC", text))


def _rrn(number: str) -> bool:
    try:
        rrn.validate(number)
    except InvalidChecksum:
        return True
    except ValidationError:
        return False
    return True


def find_identifiers(text: str) -> list[Identifier]:
    """The identifiers in ``text`` (positions in its normalised form), in order."""
    norm = normalise(text)
    found = [Identifier("e-mail address", m.start(), m.end()) for m in EMAIL.finditer(norm)]
    found += [Identifier("passport number", m.start(), m.end())
              for m in PASSPORT.finditer(norm)]
    found += [Identifier("resident registration number", m.start(), m.end())
              for m in _RRN_SHAPE.finditer(norm) if _rrn(m.group(1) + m.group(2))]
    taken = [(i.start, i.end) for i in found]
    for region in REGIONS:
        for m in phonenumbers.PhoneNumberMatcher(norm, region,
                                                 leniency=phonenumbers.Leniency.STRICT_GROUPING):
            if not any(a < m.end and m.start < b for a, b in taken):
                found.append(Identifier("telephone number", m.start, m.end))
                taken.append((m.start, m.end))
    return sorted(found, key=lambda i: i.start)


@lru_cache(maxsize=4096)
def _kinds(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i.kind for i in find_identifiers(text)))


def holds_identifier(values: pl.Series) -> pl.Series:
    """For each text, whether it holds an identifier (False for an empty cell). Only texts
    with seven digits or an @ are looked at, each distinct one once."""
    frame = values.to_frame("text").with_columns(
        pl.col("text").str.contains(CANDIDATE).fill_null(False).alias("maybe"))
    maybe = frame.filter("maybe")["text"].unique()
    hits = {t for t in maybe.to_list() if _kinds(t)}
    return frame["text"].is_in(list(hits)).fill_null(False) & frame["maybe"]


def masked(text: str) -> str:
    """``text`` with every identifier's characters after its first two written as ``*``."""
    norm = normalise(text)
    out = list(norm)
    for ident in find_identifiers(text):
        for i in range(ident.start + 2, ident.end):
            if out[i].isalnum():
                out[i] = "*"
    return "".join(out)


def describe(text: str) -> str:
    kinds = _kinds(text)
    what = " and ".join(kinds) if len(kinds) < 3 else ", ".join(kinds[:-1]) + " and " + kinds[-1]
    return (f"{masked(text)[:120]!r} holds what looks like a {what} of a person; the records "
            "hold counts of people, never how to reach or identify one: remove it")
