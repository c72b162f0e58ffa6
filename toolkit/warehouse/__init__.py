"""The DuckDB warehouse: tables derived from the contracts, views, and the questions asked of it.

Every DuckDB connection the toolkit opens comes from :mod:`toolkit.warehouse.duck`.
"""

from toolkit.warehouse.duck import connect as memory
from toolkit.warehouse.duck import cursor
from toolkit.warehouse.queries import first_event_date, last_event_date
from toolkit.warehouse.store import (
    WAREHOUSE,
    Staging,
    connect,
    file_sha256,
    sql_string,
    staging_path,
    table_ddl,
)
from toolkit.warehouse.views import FINDINGS_SQL, STOCK_SQL, WINDOW_START

__all__ = ["FINDINGS_SQL", "STOCK_SQL", "WAREHOUSE", "Staging", "connect", "cursor",
           "file_sha256", "first_event_date", "last_event_date", "memory", "sql_string",
           "staging_path", "table_ddl", "WINDOW_START"]
