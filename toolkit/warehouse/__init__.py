"""The DuckDB warehouse: tables derived from the contracts, views, and the questions asked of it.

Every DuckDB connection the toolkit opens comes from :mod:`toolkit.warehouse.duck`.
"""

from toolkit.warehouse.duck import connect as memory
from toolkit.warehouse.queries import first_event_date, last_event_date
from toolkit.warehouse.store import (
    WAREHOUSE,
    connect,
    iso3_type_ddl,
    sql_string,
    table_ddl,
    write_warehouse,
)
from toolkit.warehouse.views import FINDINGS_SQL, STOCK_SQL

__all__ = ["WAREHOUSE", "FINDINGS_SQL", "STOCK_SQL", "connect", "first_event_date",
           "iso3_type_ddl", "last_event_date", "memory", "sql_string", "table_ddl",
           "write_warehouse"]
