"""Reports of a run or a comparison: self-contained HTML, PNG charts, CSV and Parquet tables (en / 中文)."""

from .writer import SECTION_IDS, parameters_hash, render_html, write_report

__all__ = ["SECTION_IDS", "parameters_hash", "render_html", "write_report"]
