"""Readers' names for the codes in the data: countries, categories, reliability grades, and the
bulletin's name and short definition of the derived measure."""

from __future__ import annotations

#: The derived measure's name wherever the bulletin shows it (never "held" or "in custody").
NOT_RETURNED = "Detained with no return recorded"
#: Its one-line definition in the bulletin, beside the name wherever the measure appears (the
#: published tables' full definition is toolkit.publish.specs.NOT_RETURNED_DEFINITION).
NOT_RETURNED_SHORT = ("people recorded as detained minus people recorded as repatriated, up to "
                      "the day: not a count of people held")

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
    "detained": "People detained",
    "repatriated": "People repatriated",
    "died": "Deaths recorded",
    "not_returned_at_end": NOT_RETURNED + " [u]",
    "held_on_date": "held",
    "arrests": "arrested",
    "deportations": "deported",
}

#: The words for a validation warning's rule in the bulletin.
RULE_WORDS: dict[str, str] = {
    "negative_stock": "days with more people recorded as repatriated than as detained",
    "possible_duplicate": "possible duplicate",
}

#: "South Korean nationals": adjectives for the nationalities the bulletin names in sentences.
DEMONYMS: dict[str, str] = {
    "KOR": "South Korean", "CHN": "Chinese", "VNM": "Vietnamese", "IDN": "Indonesian",
    "IND": "Indian", "THA": "Thai", "LAO": "Lao", "MMR": "Myanmar", "PHL": "Filipino",
    "JPN": "Japanese", "BGD": "Bangladeshi", "PAK": "Pakistani", "KHM": "Cambodian",
    "MYS": "Malaysian", "TWN": "Taiwanese", "NPL": "Nepali", "LKA": "Sri Lankan",
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


def nationals(code: str) -> str:
    """``South Korean nationals``; ``people of several or unspecified nationalities``."""
    if code in ("XXX", "ALL"):
        return "people of several or unspecified nationalities"
    if code in DEMONYMS:
        return f"{DEMONYMS[code]} nationals"
    return f"nationals of {place_name(code)}"
