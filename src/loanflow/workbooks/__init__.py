"""Reading FSA loan volume workbooks (``reader.read_workbook``) into ``model``."""
