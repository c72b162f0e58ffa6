"""Readers' names for the codes in the data: countries, categories, reliability grades."""

from __future__ import annotations

LABELS: dict[str, str] = {
    "suspected_scam_involvement": "Suspected involvement in scams",
    "immigration_violation": "Immigration violation",
    "rescued_victim": "Rescued as victims",
    "other": "Other",
    "charter_flight": "Charter flight",
    "commercial_flight": "Commercial flight",
    "military_flight": "Military flight",
    "land": "Overland (border handover)",
    "sea": "By sea",
    "unknown": "Not reported",
    "confirmed": "Confirmed",
    "suspected": "Suspected",
    "under_investigation": "Under investigation",
    "none_known": "No link known",
    "violence": "Violence",
    "medical": "Medical",
    "suicide": "Suicide",
    "accident": "Accident",
    "undetermined": "Undetermined",
}

#: Reliability grades of the source register (docs/data-contract.md).
RELIABILITY: dict[int, str] = {
    5: "Official statement or record read at first hand",
    4: "Official figure as reported by a news organisation",
    3: "Several independent media reports that agree",
    2: "A single media report",
    1: "Aggregator or unattributed report",
}

#: Short English names for codes whose ISO name is long or formal.
SHORT_NAMES: dict[str, str] = {
    "XXX": "Several or unspecified nationalities",
    "KOR": "South Korea",
    "PRK": "North Korea",
    "LAO": "Laos",
    "VNM": "Viet Nam",
    "TWN": "Taiwan",
    "RUS": "Russia",
    "IRN": "Iran",
    "SYR": "Syria",
    "BOL": "Bolivia",
    "VEN": "Venezuela",
    "TZA": "Tanzania",
    "MDA": "Moldova",
    "FSM": "Micronesia",
}


def place_name(code: str | None) -> str:
    """A reader's name for an ISO 3166-1 alpha-3 code (``KHM`` -> ``Cambodia``)."""
    if code is None:
        return "Not reported"
    if code in SHORT_NAMES:
        return SHORT_NAMES[code]
    import pycountry  # a large table, read only when a code needs it

    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


def label(value: str) -> str:
    """A reader's name for a category of the contracts (``land`` -> ``Overland ...``)."""
    return LABELS.get(value, value.replace("_", " ").capitalize())


def nationality_name(code: str) -> str:
    """A nationality in a table column headed "Nationality"."""
    return "Several or unspecified" if code == "XXX" else place_name(code)


def group_name(country: str, nationality: str) -> str:
    """A group of country of detention and nationality, in words."""
    if nationality == "XXX":
        return f"{place_name(country)}, several or unspecified nationalities"
    return f"{place_name(country)}, nationality {place_name(nationality)}"
