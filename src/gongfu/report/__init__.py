"""Reports of a run or a comparison: self-contained HTML, PNG charts, CSV and Parquet tables (en / 中文).

Holds the writer (`write_report`), its charts (matplotlib), tables (pandas for CSV/Parquet) and the labels the
terminal summaries share. A face: may import every other gongfu package. matplotlib, jinja2 and pandas come
with the 'report' extra and are imported only when a report is written (`gongfu.extras.require`), so the
labels and `tables.programme_order` load without them.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SECTION_IDS", "parameters_hash", "render_html", "write_report"]


def __getattr__(name: str) -> Any:
    """`from gongfu.report import write_report` loads the writer (and the 'report' extra) on first use."""
    if name in __all__:
        from . import writer

        return getattr(writer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
