"""The configuration in ``config/``, read into one frozen :class:`Config`.

Publishing and the bulletin both receive the same object: who publishes (``publisher.yaml``),
what the bulletin counts (``bulletin.yaml``), the small-count rule (``disclosure.yaml``) and the
planned releases (``release-calendar.yaml``), the period each dataset covers (``coverage.yaml``)
and what a raw return may be (``limits.yaml``). The folder is ``$TOOLKIT_CONFIG`` or the
repository's ``config/``.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
FILES = ("publisher.yaml", "bulletin.yaml", "disclosure.yaml", "release-calendar.yaml",
         "limits.yaml", "coverage.yaml")
#: The event datasets whose coverage ``coverage.yaml`` may declare.
COVERED = ("detentions", "repatriations", "fatalities")
#: The scam_link statuses of the fatalities contract, in its order.
SCAM_LINKS = ("confirmed", "suspected", "under_investigation", "none_known")
DEFAULT_SCOPE = ("confirmed", "suspected", "under_investigation")
DEFAULT_THRESHOLD = 3
DEFAULT_PROFILE = "public_sources"


class ConfigError(ValueError):
    """A file in ``config/`` is missing, malformed or holds a value that cannot be used."""


@dataclass(frozen=True)
class Publisher:
    name: str
    title: str
    description: str
    licence_id: str
    licence_title: str
    licence_url: str
    contact_email: str
    homepage: str
    citation_template: str
    contact_phone: str = ""
    contact_team: str = ""
    name_ko: str = ""
    statistician: str = ""
    #: The public address of the published folder (``--out``: its ``index.html``), ending in
    #: ``/``: absolute links in the feed, citations, embed snippets and the PDF bulletin.
    #: Empty: the homepage stands in for it.
    base_url: str = ""

    @property
    def public_url(self) -> str:
        """:attr:`base_url`, else the homepage; always ending in ``/``."""
        url = self.base_url or self.homepage
        return url if url.endswith("/") else url + "/"

    @property
    def allowed_contacts(self) -> frozenset[str]:
        """The publisher's own address and telephone, which personal-data checks accept."""
        phone = "".join(c for c in self.contact_phone if c.isdigit())
        return frozenset(x for x in (self.contact_email.lower(), phone) if x)

    @property
    def licence(self) -> str:
        """``Creative Commons Attribution 4.0 International (CC-BY-4.0)``."""
        return f"{self.licence_title} ({self.licence_id})"

    def citation(self, release_id: str, as_of: dt.date) -> str:
        text = self.citation_template.format(
            publisher=self.name, title=self.title, release_id=release_id,
            as_of=as_of.isoformat(), year=as_of.year, homepage=self.homepage,
            licence=self.licence_id)
        return " ".join(text.split())


@dataclass(frozen=True)
class BulletinSettings:
    series: str = "Official statistics"
    #: The scam_link statuses counted as deaths linked to scam operations.
    scope: tuple[str, ...] = DEFAULT_SCOPE
    #: The editions rendered by ``build`` and ``bulletin``, in order (``en``, ``ko``).
    languages: tuple[str, ...] = ("en", "ko")


@dataclass(frozen=True)
class Disclosure:
    """``disclosure.yaml``: the publication policy (:mod:`toolkit.publish.policy`)."""

    #: Counts from 1 to ``threshold - 1`` in a protected breakdown are suppressed.
    threshold: int = DEFAULT_THRESHOLD
    #: The publication profile: ``public_sources`` or ``administrative``.
    profile: str = DEFAULT_PROFILE
    #: (dataset, field, treatment) the file sets beyond its profile, in the file's order.
    fields: tuple[tuple[str, str, str], ...] = ()

    @property
    def policy(self):
        """The :class:`toolkit.publish.policy.Policy` this describes (checked when read)."""
        return _checked_policy(self, None)


@dataclass(frozen=True)
class Limits:
    """What a raw return may be, checked before it is read (``limits.yaml``)."""

    max_files: int = 2000
    max_xlsx_uncompressed_bytes: int = 2**30
    max_xlsx_ratio: int = 100
    max_parquet_rows: int = 50_000_000
    max_parquet_uncompressed_bytes: int = 2**33
    min_parquet_bytes_per_row: int = 1


@dataclass(frozen=True)
class DatasetCoverage:
    """The days a dataset's collection covers: every event in them is meant to be recorded.

    A count for a period wholly outside them is not a zero but "not collected" ``[x]``.
    """

    #: The first day covered; None: the day of the dataset's first record.
    start: dt.date | None = None
    #: The last day covered; None: the release's as-of date.
    end: dt.date | None = None
    #: What the collection covers, in one sentence (e.g. deaths of South Korean nationals).
    scope: str = ""
    #: The nationalities collected (ISO 3166-1 alpha-3); empty: every nationality.
    nationalities: tuple[str, ...] = ()

    def collects(self, nationality: str) -> bool:
        """Whether records of people of ``nationality`` are collected (``ALL``, the total of
        every nationality, only when every nationality is)."""
        return not self.nationalities or nationality in self.nationalities

    def span(self, first_record: dt.date | None, as_of: dt.date
             ) -> tuple[dt.date, dt.date] | None:
        """The first and last day covered in a release as of ``as_of``; None when nothing is
        (no start declared and no record)."""
        start = self.start or first_record
        if start is None:
            return None
        return start, min(self.end or as_of, as_of)


@dataclass(frozen=True)
class Coverage:
    datasets: tuple[tuple[str, DatasetCoverage], ...] = ()

    def of(self, dataset: str) -> DatasetCoverage:
        return dict(self.datasets).get(dataset, DatasetCoverage())


@dataclass(frozen=True)
class PlannedRelease:
    date: dt.date
    period: str


@dataclass(frozen=True)
class ReleaseCalendar:
    releases: tuple[PlannedRelease, ...] = ()
    #: The time zone the planned dates are days of (an IANA name).
    timezone: str = "UTC"

    def today(self, now: dt.datetime | None = None) -> dt.date:
        """The date in the calendar's time zone at ``now`` (default: the current time)."""
        from zoneinfo import ZoneInfo

        moment = now if now is not None else dt.datetime.now(dt.UTC)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(ZoneInfo(self.timezone)).date()

    def next_after(self, as_of: dt.date) -> dt.date | None:
        """The first planned release after ``as_of`` ("next release" everywhere)."""
        later = sorted(r.date for r in self.releases if r.date > as_of)
        return later[0] if later else None

    def planned_on(self, day: dt.date) -> PlannedRelease | None:
        """The release planned for ``day``; None when ``day`` is not a release day (the
        scheduled workflow publishes only on these days)."""
        return next((r for r in self.releases if r.date == day), None)


@dataclass(frozen=True)
class Config:
    folder: Path
    publisher: Publisher
    bulletin: BulletinSettings = field(default_factory=BulletinSettings)
    disclosure: Disclosure = field(default_factory=Disclosure)
    calendar: ReleaseCalendar = field(default_factory=ReleaseCalendar)
    limits: Limits = field(default_factory=Limits)
    coverage: Coverage = field(default_factory=Coverage)


def config_dir() -> Path:
    """The ``config/`` folder: ``$TOOLKIT_CONFIG`` or the one beside the package."""
    env = os.environ.get("TOOLKIT_CONFIG")
    return Path(env) if env else ROOT / "config"


def _read(path: Path, required: bool) -> dict:
    if not path.is_file():
        if required:
            raise ConfigError(f"{path}: the file is missing")
        return {}
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot be read ({type(exc).__name__}: {exc})") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: expected a mapping of keys to values")
    return doc


def _text(doc: dict, key: str, path: Path, required: bool = True) -> str:
    value = doc.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ConfigError(f"{path}: '{key}' is required")
        return ""
    if not isinstance(value, str | int | float):
        raise ConfigError(f"{path}: '{key}' must be text, not {type(value).__name__}")
    return " ".join(str(value).split())


def _unknown(doc: dict, allowed: set[str], path: Path) -> None:
    extra = set(doc) - allowed
    if extra:
        raise ConfigError(f"{path}: unknown keys {sorted(extra)}")


def read_publisher(path: Path) -> Publisher:
    doc = _read(path, required=True)
    _unknown(doc, {"name", "name_ko", "title", "description", "statistician", "licence",
                   "contact", "homepage", "citation", "base_url"}, path)
    licence = doc.get("licence") or {}
    contact = doc.get("contact") or {}
    if not isinstance(licence, dict) or not isinstance(contact, dict):
        raise ConfigError(f"{path}: 'licence' and 'contact' must be mappings")
    name = _text(doc, "name", path)
    return Publisher(
        name=name,
        title=_text(doc, "title", path),
        description=_text(doc, "description", path),
        licence_id=_text(licence, "id", path),
        licence_title=_text(licence, "title", path),
        licence_url=_text(licence, "url", path),
        contact_email=_text(contact, "email", path),
        contact_phone=_text(contact, "phone", path, required=False),
        contact_team=_text(contact, "team", path, required=False) or name,
        homepage=_text(doc, "homepage", path),
        citation_template=_text(doc, "citation", path),
        name_ko=_text(doc, "name_ko", path, required=False),
        statistician=_text(doc, "statistician", path),
        base_url=_base_url(doc, path),
    )


def _base_url(doc: dict, path: Path) -> str:
    """``base_url``: an http(s) address, given a trailing ``/``; empty when not given."""
    url = _text(doc, "base_url", path, required=False)
    if not url:
        return ""
    if not url.startswith(("https://", "http://")) or " " in url:
        raise ConfigError(f"{path}: 'base_url' must be an http(s) address such as "
                          f"https://example.org/open-data/, not {url!r}")
    return url if url.endswith("/") else url + "/"


def read_bulletin(path: Path) -> BulletinSettings:
    doc = _read(path, required=False)
    _unknown(doc, {"series", "scope", "languages"}, path)
    scope = tuple((doc.get("scope") or {}).get("count_scam_link", DEFAULT_SCOPE))
    bad = [s for s in scope if s not in SCAM_LINKS]
    if bad:
        raise ConfigError(f"{path}: scope.count_scam_link has unknown value(s) "
                          f"{', '.join(map(str, bad))}; allowed: {', '.join(SCAM_LINKS)}")
    return BulletinSettings(series=_text(doc, "series", path, required=False)
                            or BulletinSettings.series, scope=scope,
                            languages=_languages(doc, path))


def _languages(doc: dict, path: Path) -> tuple[str, ...]:
    """``languages``: a non-empty list of the editions the toolkit writes."""
    from toolkit.i18n import LANGUAGES

    langs = doc.get("languages", list(BulletinSettings.languages))
    if isinstance(langs, str) or not isinstance(langs, list) or not langs:
        raise ConfigError(f"{path}: languages must be a list such as [en, ko], not {langs!r}")
    bad = [str(x) for x in langs if x not in LANGUAGES]
    if bad:
        raise ConfigError(f"{path}: languages has unknown value(s) {', '.join(bad)}; "
                          f"allowed: {', '.join(LANGUAGES)}")
    return tuple(dict.fromkeys(langs))


def read_disclosure(path: Path) -> Disclosure:
    doc = _read(path, required=False)
    _unknown(doc, {"threshold", "profile", "fields"}, path)
    threshold = doc.get("threshold", DEFAULT_THRESHOLD)
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 1:
        raise ConfigError(f"{path}: threshold must be a whole number >= 1, not {threshold!r}")
    profile = doc.get("profile", DEFAULT_PROFILE)
    if not isinstance(profile, str):
        raise ConfigError(f"{path}: profile must be a name, not {profile!r}")
    if not isinstance(doc.get("fields") or {}, dict):
        raise ConfigError(f"{path}: fields must map datasets to their columns")
    fields = []
    for dataset, columns in (doc.get("fields") or {}).items():
        if not isinstance(columns, dict):
            raise ConfigError(f"{path}: fields.{dataset} must map columns to publish, coarsen "
                              f"or withhold, not {columns!r}")
        for column, treatment in columns.items():
            fields.append((str(dataset), str(column), str(treatment)))
    disclosure = Disclosure(threshold=threshold, profile=profile, fields=tuple(fields))
    _checked_policy(disclosure, path)  # the profile and fields, against the contracts
    return disclosure


def _checked_policy(disclosure: Disclosure, path: Path | None):
    """The policy ``disclosure`` describes; a :class:`ConfigError` naming the file if it cannot
    be enforced."""
    from toolkit.publish.policy import CONFIG_FILE, PolicyError, load_policy

    try:
        return load_policy(disclosure, str(path) if path is not None else CONFIG_FILE)
    except PolicyError as exc:
        raise ConfigError(str(exc)) from None


def read_limits(path: Path) -> Limits:
    doc = _read(path, required=False)
    names = set(Limits.__dataclass_fields__)
    _unknown(doc, names, path)
    values = {}
    for key, value in doc.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(f"{path}: {key} must be a whole number >= 1, not {value!r}")
        values[key] = value
    return Limits(**values)


def read_calendar(path: Path) -> ReleaseCalendar:
    doc = _read(path, required=False)
    _unknown(doc, {"releases", "timezone"}, path)
    timezone = doc.get("timezone") or "UTC"
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(str(timezone))
    except (ValueError, LookupError):
        raise ConfigError(f"{path}: timezone {timezone!r} is not a time zone name such as "
                          f"Asia/Seoul") from None
    planned = []
    for item in doc.get("releases") or []:
        if not isinstance(item, dict) or "date" not in item:
            raise ConfigError(f"{path}: {item!r} has no date")
        day = item["date"]
        try:
            day = dt.date.fromisoformat(day) if isinstance(day, str) else day
        except ValueError:
            day = None
        if not isinstance(day, dt.date):
            raise ConfigError(f"{path}: {item!r} has no date in the form YYYY-MM-DD")
        planned.append(PlannedRelease(day, str(item.get("period") or "")))
    return ReleaseCalendar(tuple(sorted(planned, key=lambda r: r.date)), str(timezone))


def _day(value, where: str, path: Path) -> dt.date | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        day = None
    if not isinstance(day, dt.date):
        raise ConfigError(f"{path}: {where} must be a date in the form YYYY-MM-DD, "
                          f"not {value!r}")
    return day


def read_coverage(path: Path) -> Coverage:
    doc = _read(path, required=False)
    _unknown(doc, set(COVERED), path)
    out = []
    for name in COVERED:
        item = doc.get(name)
        if item is None:
            continue
        if not isinstance(item, dict):
            raise ConfigError(f"{path}: {name} must be a mapping with from, to and scope")
        _unknown(item, {"from", "to", "scope", "nationalities"}, path)
        start = _day(item.get("from"), f"{name}.from", path)
        end = _day(item.get("to"), f"{name}.to", path)
        if start and end and end < start:
            raise ConfigError(f"{path}: {name}.to ({end}) is before {name}.from ({start})")
        nationalities = item.get("nationalities") or []
        if not isinstance(nationalities, list) or not all(
                isinstance(n, str) and len(n) == 3 and n.isupper() for n in nationalities):
            raise ConfigError(f"{path}: {name}.nationalities must be a list of ISO 3166-1 "
                              f"alpha-3 codes such as [KOR], not {nationalities!r}")
        scope = " ".join(str(item.get("scope") or "").split())
        out.append((name, DatasetCoverage(start, end, scope, tuple(nationalities))))
    return Coverage(tuple(out))


def load_config(folder: Path | None = None) -> Config:
    """Read every file of the configuration folder; a :class:`ConfigError` names what is wrong."""
    folder = Path(folder) if folder is not None else config_dir()
    return Config(
        folder=folder,
        publisher=read_publisher(folder / "publisher.yaml"),
        bulletin=read_bulletin(folder / "bulletin.yaml"),
        disclosure=read_disclosure(folder / "disclosure.yaml"),
        calendar=read_calendar(folder / "release-calendar.yaml"),
        limits=read_limits(folder / "limits.yaml"),
        coverage=read_coverage(folder / "coverage.yaml"),
    )
