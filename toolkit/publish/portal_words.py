"""The portal's own words, per language: table titles, column headers with units, one-sentence
definitions of the published measures, and the Korean descriptions of the data dictionary.

Sentences of the pages are written in each language's templates (``templates/*.ko.html``);
what is here is the vocabulary the templates, the dictionary and the workbook share. Names of
countries, enumerated values, numbers, dates and periods come from :mod:`toolkit.i18n`, never
from here. Every published column has a header in every language (``tests/test_portal_words.py``
checks it against the release's tables).
"""

from __future__ import annotations

import re

#: The measures of the summary tables, in their published order.
MEASURES = ("detained", "repatriated", "died", "not_returned_at_end")

#: One sentence per measure, as the landing page and the place pages define it.
DEFINITIONS = {
    "en": {
        "detained": "People recorded as detained in raids and immigration operations in the "
                    "period, counted in the period of the detention's date.",
        "repatriated": "People recorded as repatriated from the country in the period, by "
                       "chartered or commercial flight, overland or by sea.",
        "died": "Deaths recorded in the period, whatever their link to scam operations; "
                "collected only for the nationalities the note names.",
        "not_returned_at_end": "People recorded as detained up to the end of the period minus "
                               "those recorded as repatriated: not a count of people still "
                               "held, so always of low reliability [u].",
    },
    "ko": {
        "detained": "해당 기간에 단속·출입국 조치로 구금된 것으로 기록된 인원으로, 구금일이 "
                    "속한 기간에 집계합니다.",
        "repatriated": "해당 기간에 그 나라에서 전세기·민간 항공편·육로·해로로 송환된 것으로 "
                       "기록된 인원입니다.",
        "died": "해당 기간에 기록된 사망자로, 스캠 조직과의 연관성과 관계없이 모두 셉니다. "
                "주석에 적힌 국적만 수집합니다.",
        "not_returned_at_end": "기간 말까지 구금된 것으로 기록된 인원에서 송환된 것으로 "
                               "기록된 인원을 뺀 값입니다. 아직 억류된 인원의 수가 아니므로 "
                               "언제나 신뢰도 낮음 [u]으로 표시합니다.",
    },
}

#: Short column headings of the measures in the pages' tables.
MEASURE_SHORT = {
    "en": {"detained": "Detained", "repatriated": "Repatriated", "died": "Deaths",
           "not_returned_at_end": "No return recorded [u]"},
    "ko": {"detained": "구금", "repatriated": "송환", "died": "사망",
           "not_returned_at_end": "송환 기록 없음 [u]"},
}

#: The tables' titles and one-line descriptions in Korean (English: the TableSpec's own).
TABLES_KO = {
    "sources": ("출처 목록", "모든 기록의 근거가 된 공개 출처: 발행처, 제목, 주소, 발행일, "
                "출처 유형과 신뢰도 등급."),
    "detentions": ("구금", "스캠 단지 단속과 관련 출입국 조치에서 구금된 사람들: 사건 하나에 "
                   "한 행, 국가·국적·인원과 출처."),
    "repatriations": ("송환", "구금된 사람들의 송환: 사건 하나에 한 행, 송환 국가·국적·인원·"
                      "방식과 출처."),
    "fatalities": ("사망", "스캠 조직과 연관되었거나 연관 가능성이 있는 사망: 사건 하나에 한 "
                   "행, 국가·국적·연령대·성별·원인·연관성과 출처."),
    "reported_figures": ("당국 발표 수치", "당국이 직접 발표한 수치(억류 인원, 체포, 추방, "
                         "신고 건수 등): 발표 하나에 한 행."),
    "quarterly_summary": ("분기별 국가·국적 요약", "분기별 구금·송환·사망 인원과 분기 말 송환 "
                          "기록 없는 구금 인원 [u], 국가와 국적별, 전체(ALL) 합계 포함."),
    "monthly_summary": ("월별 국가·국적 요약", "월별 구금·송환·사망 인원과 월말 송환 기록 "
                        "없는 구금 인원 [u], 국가와 국적별, 전체(ALL) 합계 포함."),
    "detentions_by_sex": ("성별 구금", "분기별·국가별 구금 인원을 성별로 나눈 표."),
    "fatalities_by_sex": ("성별 사망", "분기별·국가별 사망자를 성별로 나눈 표."),
    "fatalities_by_age": ("연령대별 사망", "분기별·국가별 사망자를 연령대별로 나눈 표."),
    "reconciliation_findings": ("대사(對査) 결과: 구금보다 많은 송환",
                                "어느 국가와 국적에서 그날까지 송환된 인원이 구금된 인원보다 "
                                "많이 기록된 날: 기록에 빠진 구금이 있다는 뜻이며, 고치지 않고 "
                                "그대로 보고합니다."),
    "reported_vs_recorded": ("당국 발표와 기록의 비교", "당국이 발표한 수치와 같은 기간·날짜의 "
                             "기록 수치를 나란히 놓고, 둘이 어떻게 다른지 적은 표."),
    "revisions": ("직전 공표 이후 수정", "요약표와 세부표에서 직전 공표와 값이 달라진 모든 "
                  "칸; 해당 표에서는 [r]로 표시합니다."),
    "changelog": ("자료 변경 기록", "직전 공표 이후 추가·삭제·변경된 기록: 바뀐 열마다 한 행."),
}

#: The groups of tables on a release page: (TableSpec.group, heading) per language.
GROUPS = {
    "en": (("datasets", "Event-level datasets and sources"), ("summaries", "Summary tables"),
           ("quality", "Data quality"), ("changes", "Changes since the previous release")),
    "ko": (("datasets", "사건 단위 자료와 출처"), ("summaries", "요약표"),
           ("quality", "자료 품질"), ("changes", "직전 공표 이후 변경")),
}

#: Formats of a table's files, per language.
FORMAT_LABELS = {
    "en": {"csv": "CSV", "excel_csv": "CSV for Excel", "parquet": "Parquet"},
    "ko": {"csv": "CSV", "excel_csv": "엑셀용 CSV", "parquet": "Parquet"},
}

#: Human-readable headers, with units, of the published columns (English; the workbook's).
_HEADERS_EN = {
    "source_id": "Source identifier", "publisher": "Publisher of the source",
    "title": "Title of the source", "url": "Web page (URL)", "published_date": "Date published",
    "source_type": "Type of source", "reliability": "Reliability grade (1 to 5)",
    "record_id": "Record identifier", "event_date": "Date of the event",
    "date_precision": "Precision of the date", "country": "Country (ISO code)",
    "admin1": "Province or region", "location": "Place", "nationality": "Nationality (ISO code)",
    "persons": "People (number)", "persons_qualifier": "People: how exact",
    "females": "Women and girls (number)", "males": "Men and boys (number)",
    "minors": "Children (number)", "detaining_authority": "Detaining authority",
    "reason": "Reason for detention", "other_persons": "Another source's figure (number)",
    "other_source_id": "Other source", "notes": "Notes",
    "from_country": "Repatriated from (ISO code)",
    "arrested_on_arrival": "Arrested on arrival (number)", "mode": "Mode of return",
    "detention_ids": "Detention records", "date_basis": "What the date is",
    "age_band": "Age band (years)", "sex": "Sex", "cause": "Cause of death as reported",
    "scam_link": "Link to scam operations", "indicator": "What the authority counts",
    "value": "Value", "unit": "Unit", "qualifier": "How exact", "period_start":
    "Start of the period", "date": "Date", "authority": "Authority",
    "period": "Period", "note": "Note",
    "detained": "People detained (number)", "repatriated": "People repatriated (number)",
    "died": "Deaths recorded (number)",
    "not_returned_at_end": "Detained with no return recorded at the end (number)",
    "female": "Female (number)", "male": "Male (number)", "sex_unknown": "Sex not reported "
    "(number)", "total": "Total (number)",
    "age_under_18": "Under 18 (number)", "age_18_29": "Aged 18 to 29 (number)",
    "age_30_39": "Aged 30 to 39 (number)", "age_40_49": "Aged 40 to 49 (number)",
    "age_50_59": "Aged 50 to 59 (number)", "age_60_plus": "Aged 60 and over (number)",
    "age_unknown": "Age not reported (number)",
    "not_returned": "Detained with no return recorded (number, negative)",
    "detained_to_date": "Detained to date (number)",
    "repatriated_to_date": "Repatriated to date (number)", "record_ids": "Records involved",
    "reported": "Reported by the authority (number)",
    "reported_qualifier": "Reported: how worded",
    "recorded_measure": "Measure from the records", "recorded": "From the records (number)",
    "recorded_qualifier": "From the records: how exact",
    "difference": "Records minus reported (number)", "finding": "Finding",
    "explanation": "Explanation", "table": "Table", "measure": "Measure (column)",
    "previous_value": "Previous value", "previous_status": "Previous status",
    "status": "Status", "previous_release": "Previous release", "dataset": "Dataset",
    "change": "Change", "column": "Column",
}

_HEADERS_KO = {
    "source_id": "출처 식별자", "publisher": "출처 발행처", "title": "출처 제목",
    "url": "웹 페이지(URL)", "published_date": "발행일", "source_type": "출처 유형",
    "reliability": "신뢰도 등급(1~5)", "record_id": "기록 식별자", "event_date": "사건 날짜",
    "date_precision": "날짜 정밀도", "country": "국가(ISO 코드)", "admin1": "주 또는 지역",
    "location": "장소", "nationality": "국적(ISO 코드)", "persons": "인원(명)",
    "persons_qualifier": "인원의 정확도", "females": "여성(명)", "males": "남성(명)",
    "minors": "미성년자(명)", "detaining_authority": "구금 기관", "reason": "구금 사유",
    "other_persons": "다른 출처의 수치(명)", "other_source_id": "다른 출처", "notes": "비고",
    "from_country": "송환 출발 국가(ISO 코드)", "arrested_on_arrival": "입국 시 체포(명)",
    "mode": "송환 방식", "detention_ids": "관련 구금 기록", "date_basis": "날짜 기준",
    "age_band": "연령대(세)", "sex": "성별", "cause": "보도된 사망 원인",
    "scam_link": "스캠 연관성", "indicator": "당국이 센 대상", "value": "값", "unit": "단위",
    "qualifier": "정확도", "period_start": "기간 시작일", "date": "날짜", "authority": "당국",
    "period": "기간", "note": "주석", "detained": "구금 인원(명)",
    "repatriated": "송환 인원(명)", "died": "기록된 사망자(명)",
    "not_returned_at_end": "기간 말 송환 기록 없는 구금 인원(명)", "female": "여성(명)",
    "male": "남성(명)", "sex_unknown": "성별 미상(명)", "total": "합계(명)",
    "age_under_18": "18세 미만(명)", "age_18_29": "18~29세(명)", "age_30_39": "30~39세(명)",
    "age_40_49": "40~49세(명)", "age_50_59": "50~59세(명)", "age_60_plus": "60세 이상(명)",
    "age_unknown": "연령 미상(명)", "not_returned": "송환 기록 없는 구금 인원(명, 음수)",
    "detained_to_date": "누적 구금(명)", "repatriated_to_date": "누적 송환(명)",
    "record_ids": "관련 기록", "reported": "당국 발표(명)", "reported_qualifier": "발표 표현",
    "recorded_measure": "기록의 항목", "recorded": "기록 수치(명)",
    "recorded_qualifier": "기록 수치의 정확도", "difference": "기록 − 발표(명)",
    "finding": "비교 결과", "explanation": "설명", "table": "표", "measure": "항목(열)",
    "previous_value": "이전 값", "previous_status": "이전 상태", "status": "상태",
    "previous_release": "직전 공표", "dataset": "자료", "change": "변경", "column": "열",
}

#: Korean descriptions of the published columns for the Korean data dictionary (English: the
#: TableSpec's, from schemas/).
_DESCRIPTIONS_KO = {
    "source_id": "출처 목록(sources)의 출처 식별자.",
    "publisher": "출처를 낸 기관이나 언론사.",
    "title": "기사나 발표문의 제목.",
    "url": "출처의 웹 주소.",
    "published_date": "출처가 발행된 날짜(YYYY-MM-DD).",
    "source_type": "출처의 유형: 공공기관, 언론, 비정부기구, 국제기구.",
    "reliability": "출처의 신뢰도 등급: 5(당국 발표를 직접 확인)부터 1(출처 불명)까지.",
    "record_id": "기록의 고유 식별자.",
    "event_date": "사건 날짜(YYYY-MM-DD). 날짜가 주·월·분기·연 단위로만 알려진 경우 그 기간의 "
                  "마지막 날.",
    "date_precision": "event_date가 얼마나 정확한지: 일, 주, 월, 분기, 연.",
    "country": "국가의 ISO 3166-1 alpha-3 코드(구금·사망한 나라, 또는 송환 출발국). ALL은 모든 "
               "국가의 합계.",
    "admin1": "주, 도 등 1차 행정구역.",
    "location": "출처가 밝힌 장소.",
    "nationality": "사람들의 국적(ISO 3166-1 alpha-3). XXX는 여러 국적 또는 미상, ALL은 모든 "
                   "국적의 합계.",
    "persons": "기록된 사람의 수.",
    "persons_qualifier": "persons의 정확도: 비어 있으면 정확한 값, at_least는 최소값(출처의 "
                         "'이상'), about은 근사값.",
    "females": "그중 여성의 수(알려진 경우).",
    "males": "그중 남성의 수(알려진 경우).",
    "minors": "그중 미성년자의 수(알려진 경우).",
    "detaining_authority": "구금한 기관.",
    "reason": "구금 사유.",
    "other_persons": "다른 출처가 발표한 다른 수치.",
    "other_source_id": "그 다른 수치의 출처(sources.source_id).",
    "notes": "검토를 거쳐 공개가 허용된 비고.",
    "from_country": "송환 출발 국가의 ISO 3166-1 alpha-3 코드.",
    "arrested_on_arrival": "송환 후 입국 시 체포된 인원(알려진 경우).",
    "mode": "송환 방식: 전세기, 민간 항공편, 군용기, 육로, 해로 등.",
    "detention_ids": "이 송환과 관련된 구금 기록의 식별자(세미콜론으로 구분).",
    "date_basis": "event_date가 무엇의 날짜인지: 사망일, 시신 발견일, 보도일.",
    "age_band": "사망자의 연령대(정확한 나이는 공개하지 않음).",
    "sex": "성별.",
    "cause": "보도된 사망 원인.",
    "scam_link": "스캠 조직과의 연관성: 확인, 의심, 조사 중, 알려진 연관성 없음.",
    "indicator": "당국이 센 대상: 억류 인원, 체포, 추방, 신고 건수 등.",
    "value": "값.",
    "unit": "값의 단위: 명, 건.",
    "qualifier": "당국의 표현: 정확한 값, 이상, 약, 이하, 추정.",
    "period_start": "기간으로 센 수치의 기간 시작일.",
    "date": "수치가 가리키는 날짜(기간의 마지막 날).",
    "authority": "수치를 발표한 당국.",
    "period": "기간: 분기(예: 2025-Q4, Q1은 1~3월) 또는 월(예: 2025-10).",
    "note": "수치가 없거나 해당되지 않거나 일부만 수집되었거나 부정확한 날짜에 기대는 이유, "
            "그리고 행이 수정되었는지.",
    "detained": "기간에 구금된 인원: 기간에 날짜가 속한 구금 기록의 persons 합계. 수집되지 "
                "않은 경우 비움 [x].",
    "repatriated": "기간에 그 나라에서 송환된 인원: 기간에 날짜가 속한 송환 기록의 persons "
                   "합계(from_country 기준). 수집되지 않은 경우 비움 [x].",
    "died": "기간에 기록된 사망자: 스캠 연관성과 관계없이 사망 기록의 persons 합계. 수집되지 "
            "않은 경우 비움 [x].",
    "not_returned_at_end": "기간 말의 송환 기록 없는 구금 인원 [u]: 기간 말까지 구금된 것으로 "
                           "기록된 인원에서 그 나라에서 송환된 것으로 기록된 인원을 뺀 값. "
                           "억류 중인 인원의 수가 아니며, 음수일 수 있습니다.",
    "female": "여성의 수.", "male": "남성의 수.", "sex_unknown": "성별이 알려지지 않은 수.",
    "total": "합계.",
    "age_unknown": "연령이 알려지지 않은 수.",
    "not_returned": "그날 말의 송환 기록 없는 구금 인원: detained_to_date − "
                    "repatriated_to_date, 음수.",
    "detained_to_date": "그날까지 구금된 것으로 기록된 인원.",
    "repatriated_to_date": "그날까지 그 나라에서 송환된 것으로 기록된 인원.",
    "record_ids": "관련 구금·송환 기록의 식별자(세미콜론으로 구분).",
    "reported": "당국이 발표한 수치.",
    "reported_qualifier": "당국의 표현: 정확한 값, 이상, 약, 이하, 추정.",
    "recorded_measure": "기록에서 나란히 놓은 항목: 송환 기록 없는 구금, 구금, 송환.",
    "recorded": "기록에서 나온 수치. 기록이 필요한 날을 포괄하지 않으면 비움.",
    "recorded_qualifier": "기록 수치의 정확도.",
    "difference": "기록 수치 − 당국 발표. 둘 중 하나가 비면 비움.",
    "finding": "비교 결과: 같음, 기록이 적음, 기록이 많음, 비교 불가.",
    "explanation": "비교 결과를 한 문장으로 설명(영문).",
    "table": "칸이 속한 표.", "measure": "수정된 열.",
    "previous_value": "직전 공표의 값.", "previous_status": "직전 공표의 상태(GSS 약호).",
    "status": "이번 공표의 상태(GSS 약호).", "previous_release": "직전 공표의 식별자.",
    "dataset": "자료.", "change": "추가(added), 삭제(removed), 변경(changed).",
    "column": "변경된 열.",
}

_AGE_KO = {"age_under_18": "18세 미만", "age_18_29": "18~29세", "age_30_39": "30~39세",
           "age_40_49": "40~49세", "age_50_59": "50~59세", "age_60_plus": "60세 이상"}
_NAME_COLUMN = re.compile(r"^(?P<code>country|nationality|from_country)_(?P<lang>en|ko)$")


def _base(column: str) -> tuple[str, str]:
    """(the column a derived column belongs to, its kind: "" / status / qualifier)."""
    for kind in ("status", "qualifier"):
        if column.endswith(f"_{kind}") and column not in ("previous_status",
                                                           "reported_qualifier",
                                                           "recorded_qualifier",
                                                           "persons_qualifier"):
            return column[: -len(kind) - 1], kind
    return column, ""


def header(column: str, lang: str) -> str:
    """A reader's header of a published column, with its unit: ``People detained (number)``,
    ``구금 인원(명)``; a status column is ``People detained: status``."""
    table = _HEADERS_EN if lang == "en" else _HEADERS_KO
    named = _NAME_COLUMN.match(column)
    if named:
        code = table.get(named["code"], named["code"]).split(" (")[0].split("(")[0]
        in_ko = named["lang"] == "ko"
        if lang == "en":
            return f"{code}: in {'Korean' if in_ko else 'English'}"
        return f"{code}({'한국어' if in_ko else '영어'})"
    base, kind = _base(column)
    if not kind:
        return table.get(column, column)
    name = table.get(base, base)
    name = re.sub(r"\s*\((number|명)\)$", "", name).removesuffix("(명)")
    if lang == "en":
        return f"{name}: {'status' if kind == 'status' else 'how exact'}"
    return f"{name} {'상태' if kind == 'status' else '정확도'}"


def description_ko(column: str) -> str:
    """The Korean description of a published column for the Korean data dictionary."""
    named = _NAME_COLUMN.match(column)
    if named:
        lang = "한국어" if named["lang"] == "ko" else "영어"
        return (f"{named['code']} 코드가 가리키는 나라를 {lang}로 쓴 것(유니코드 CLDR). ALL은 "
                "전체, XXX는 여러 국적 또는 미상.")
    base, kind = _base(column)
    if kind == "status":
        return (f"{header(base, 'ko')}의 상태 표시(GSS 약호, 공백으로 구분): [c] 비공개, [x] 자료 "
                "없음, [z] 해당 없음, [u] 신뢰도 낮음, [r] 수정, [p] 잠정치. 해당 없으면 비움.")
    if kind == "qualifier":
        return (f"{header(base, 'ko')}의 정확도: exact(정확한 값), at_least(기록 중 최소값이 "
                "있어 최소값), about(기록 중 근사값이 있어 근사값). 값이 비면 비움.")
    if column in _AGE_KO:
        return f"{_AGE_KO[column]} 사망자의 수."
    return _DESCRIPTIONS_KO.get(column, "")


def table_title(name: str, english: str, lang: str) -> str:
    return english if lang == "en" else TABLES_KO.get(name, (english, ""))[0]


def table_description(name: str, english: str, lang: str) -> str:
    return english if lang == "en" else TABLES_KO.get(name, ("", english))[1]


#: Values of published enumerations that :func:`toolkit.i18n.label` has no kind for.
EXTRA_LABELS = {
    "change": {"en": {"added": "Added", "removed": "Removed", "changed": "Changed"},
               "ko": {"added": "추가", "removed": "삭제", "changed": "변경"}},
    "recorded_measure": {
        "en": {"not_returned": "Detained with no return recorded [u]",
               "detained": "People detained", "repatriated": "People repatriated"},
        "ko": {"not_returned": "송환 기록 없는 구금 인원 [u]", "detained": "구금 인원",
               "repatriated": "송환 인원"}},
}

#: The series' title in Korean (the bulletin's, toolkit/bulletin/sections_ko.py); English: the
#: publisher's title (config/publisher.yaml).
TITLE_KO = "온라인 스캠 단지 관련 구금·송환·사망 통계"


def value_label(column: str, value: object, lang: str) -> str:
    """A reader's name of an enumerated value of a published column (the code as it is when
    there is none)."""
    from toolkit.i18n import KINDS, label

    text = str(value)
    if column in EXTRA_LABELS:
        return EXTRA_LABELS[column][lang].get(text, text)
    kind = ("qualifier" if column == "qualifier" or column.endswith("_qualifier")
            else column if column in KINDS else None)
    return label(kind, text, lang) if kind else text
