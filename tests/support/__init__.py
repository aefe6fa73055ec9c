"""Helpers shared by the test packages: workbook builders and independent totals."""
