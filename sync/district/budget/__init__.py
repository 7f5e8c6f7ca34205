"""District e-budgeting: every village's APBDes and realization as structured numbers (not only PDFs).

`models` (projection tables, migration 0005_budget), `project` (kept up to date as changes are applied,
exactly once, inside the push transaction), `queries` (absorption, priority shares against the year's
rules, status and report timeliness), `routes` (phone-friendly pages, CSV/XLSX).
"""
