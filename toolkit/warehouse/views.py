"""The warehouse's derived views: the stock of people detained with no return recorded.

The SQL here is the one definition of the stock: the warehouse creates its ``stock`` and
``reconciliation_findings`` views from it, publishing recreates them over the release's events,
and the ``negative_stock`` rule reads the staging warehouse's view. A negative stock is
reported, never clipped.
"""

from __future__ import annotations

#: Net flows per day for each (country, nationality): detentions in, repatriations out.
#: On one day detentions count before repatriations: the stock is the end-of-day figure.
STOCK_SQL = """
WITH flows AS (
    SELECT country, nationality, event_date, persons AS detained, 0 AS repatriated
    FROM detentions
    WHERE country IS NOT NULL AND nationality IS NOT NULL
      AND event_date IS NOT NULL AND persons >= 1
    UNION ALL
    SELECT from_country, nationality, event_date, 0, persons
    FROM repatriations
    WHERE from_country IS NOT NULL AND nationality IS NOT NULL
      AND event_date IS NOT NULL AND persons >= 1
), daily AS (
    SELECT country, nationality, event_date AS date,
           sum(detained)::BIGINT AS detained, sum(repatriated)::BIGINT AS repatriated
    FROM flows GROUP BY ALL
)
SELECT country, nationality, date, detained, repatriated,
       sum(detained) OVER w::BIGINT AS detained_to_date,
       sum(repatriated) OVER w::BIGINT AS repatriated_to_date,
       (sum(detained) OVER w - sum(repatriated) OVER w)::BIGINT AS held
FROM daily
WINDOW w AS (PARTITION BY country, nationality ORDER BY date
             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
"""

#: Each date on which a stock is negative, with the records of that country and nationality
#: up to that date (the rows involved).
FINDINGS_SQL = """
WITH stock AS ({stock}), records AS (
    SELECT country, nationality, event_date, record_id, __file, __row, __line,
           'detention' AS kind
    FROM detentions WHERE persons >= 1
    UNION ALL
    SELECT from_country, nationality, event_date, record_id, __file, __row, __line,
           'repatriation'
    FROM repatriations WHERE persons >= 1
)
SELECT s.country, s.nationality, s.date, s.held, s.detained_to_date, s.repatriated_to_date,
       string_agg(r.record_id, ';' ORDER BY r.event_date, r.record_id) AS record_ids,
       arg_min(r.__file, (r.kind <> 'repatriation' OR r.event_date <> s.date, r.__row))
           AS __file,
       arg_min(r.__row, (r.kind <> 'repatriation' OR r.event_date <> s.date, r.__row))
           AS __row,
       arg_min(r.__line, (r.kind <> 'repatriation' OR r.event_date <> s.date, r.__row))
           AS __line
FROM stock s
JOIN records r ON r.country = s.country AND r.nationality = s.nationality
              AND r.event_date <= s.date
WHERE s.held < 0
GROUP BY ALL
ORDER BY s.country, s.nationality, s.date
""".replace("{stock}", STOCK_SQL)
