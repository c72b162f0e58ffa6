"""The warehouse's derived views: people detained with no return recorded.

For each country of detention and nationality, the people recorded as detained up to a day
minus the people recorded as repatriated from that country up to that day. The records hold no
exit from custody other than repatriation, and no count of who was held before they begin, so
the figure is not a count of people in custody: it is published as "detained with no return
recorded", marked low reliability [u]. A negative figure is reported, never clipped.

Dates are honoured at their precision. A record dated to the week, month, quarter or year
stands for a window that ends on its ``event_date`` (the day by which it had happened): a
detention counts from the first day of its window, a repatriation from its last, so that an
imprecise date never makes people leave before they were detained. :data:`WINDOW_START` is
that first day.

The SQL here is the one definition: the warehouse creates its ``not_returned`` and
``reconciliation_findings`` views from it, publishing recreates them over a release's events,
and the ``negative_stock`` rule reads :data:`FINDINGS_SQL`.
"""

from __future__ import annotations

#: The first day an event dated ``event_date`` with ``date_precision`` may have happened on: the
#: window is the week, month, quarter or year that ends on ``event_date`` (a month dated
#: 30 September is 1 to 30 September; one dated 22 July is 23 June to 22 July).
WINDOW_START = """CAST(CASE date_precision
    WHEN 'week' THEN event_date - INTERVAL 6 DAY
    WHEN 'month' THEN event_date + INTERVAL 1 DAY - INTERVAL 1 MONTH
    WHEN 'quarter' THEN event_date + INTERVAL 1 DAY - INTERVAL 3 MONTH
    WHEN 'year' THEN event_date + INTERVAL 1 DAY - INTERVAL 1 YEAR
    ELSE event_date END AS DATE)"""

#: Every record that moves the figure, on the day it counts from: detentions in (from the first
#: day of their window), repatriations out (from their event date).
FLOWS_SQL = f"""
    SELECT country, nationality, {WINDOW_START} AS date, persons AS detained,
           0 AS repatriated, record_id, __file, __row, __line, 'detention' AS kind
    FROM detentions
    WHERE country IS NOT NULL AND nationality IS NOT NULL
      AND event_date IS NOT NULL AND persons >= 1
    UNION ALL
    SELECT from_country, nationality, event_date, 0, persons,
           record_id, __file, __row, __line, 'repatriation'
    FROM repatriations
    WHERE from_country IS NOT NULL AND nationality IS NOT NULL
      AND event_date IS NOT NULL AND persons >= 1
"""

#: The figure at the end of every day with a flow, for each (country, nationality). On one day
#: detentions count before repatriations: the figure is the end-of-day one.
STOCK_SQL = f"""
WITH daily AS (
    SELECT country, nationality, date,
           sum(detained)::BIGINT AS detained, sum(repatriated)::BIGINT AS repatriated
    FROM ({FLOWS_SQL}) GROUP BY country, nationality, date
)
SELECT country, nationality, date, detained, repatriated,
       sum(detained) OVER w::BIGINT AS detained_to_date,
       sum(repatriated) OVER w::BIGINT AS repatriated_to_date,
       (sum(detained) OVER w - sum(repatriated) OVER w)::BIGINT AS not_returned
FROM daily
WINDOW w AS (PARTITION BY country, nationality ORDER BY date
             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
"""

#: Each day on which the figure is negative, with the records of that country and nationality
#: that count by then (the rows involved), at the repatriation that took it there.
FINDINGS_SQL = f"""
WITH stock AS ({STOCK_SQL}), records AS ({FLOWS_SQL})
SELECT s.country, s.nationality, s.date, s.not_returned, s.detained_to_date,
       s.repatriated_to_date,
       string_agg(r.record_id, ';' ORDER BY r.date, r.record_id) AS record_ids,
       arg_min(r.__file, (r.kind <> 'repatriation' OR r.date <> s.date, r.__row))
           AS __file,
       arg_min(r.__row, (r.kind <> 'repatriation' OR r.date <> s.date, r.__row))
           AS __row,
       arg_min(r.__line, (r.kind <> 'repatriation' OR r.date <> s.date, r.__row))
           AS __line
FROM stock s
JOIN records r ON r.country = s.country AND r.nationality = s.nationality
              AND r.date <= s.date
WHERE s.not_returned < 0
GROUP BY ALL
ORDER BY s.country, s.nationality, s.date
"""
