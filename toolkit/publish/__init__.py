"""The publishing stage: a release of open data from the warehouse.

:func:`publish_release` is the stage (see :mod:`toolkit.publish.stage` for what is written
where); extras such as the bulletin receive a :class:`ReleaseContext`. The modules, in the order
a release is made: :mod:`.connection` (the warehouse as of the release), :mod:`.specs` and
:mod:`.tables` (what each table holds and how it is derived), :mod:`.disclosure`,
:mod:`.revisions`, :mod:`.formats` (CSV, Parquet, XLSX), :mod:`.meta` (datapackage.json,
dictionary, changelog, citation), :mod:`.portal` (the HTML pages, from ``templates/``),
:mod:`.privacy` (the personal-data scan) and :mod:`.release` (staging, the switch in atomic
steps, the files at the top of ``--out``). Every text written into Markdown goes through
:func:`.meta.markdown_text`.
"""

from toolkit.publish.connection import open_release_connection
from toolkit.publish.release import (
    PreviousRelease,
    PublishedFile,
    PublishError,
    Release,
    StepHook,
    list_releases,
)
from toolkit.publish.specs import Field, TableSpec
from toolkit.publish.stage import Extra, ReleaseContext, publish_release

__all__ = ["Extra", "Field", "PreviousRelease", "PublishError", "PublishedFile", "Release",
           "ReleaseContext", "StepHook", "TableSpec", "list_releases",
           "open_release_connection", "publish_release"]
