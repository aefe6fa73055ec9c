"""Data quality: the checks a school row goes through, and the report of them.

Structural checks are the reader's (``workbooks/rows.py``): a row that fails
one is set aside (``rejected_records`` and the dead-letter topic). Plausibility
checks (``checks``) run in the warehouse when a publication becomes complete
and record warnings (``quality_warnings``) on rows that are integrated.
``report`` reads both back. docs/quality.md lists every check.
"""
