"""The school directory: the Federal School Code List and its match to OPE IDs.

``read_school_code_list`` reads the list (``directory``),
``store_school_code_list`` makes it the warehouse's directory (``store``), and
``queries`` asks the view ``school``, where the matching rule lives
(docs/schools.md).
"""

from loanflow.schools.directory import (
    DirectorySchool,
    SchoolCodeList,
    read_school_code_list,
)
from loanflow.schools.errors import DirectoryNotLoadedError, UnknownOpeIdError
from loanflow.schools.queries import (
    FileMatches,
    School,
    count_matches,
    find_school,
    list_unmatched,
)
from loanflow.schools.store import (
    DirectoryLoad,
    LoadOutcome,
    current_load,
    list_loads,
    store_school_code_list,
)

__all__ = [
    "DirectoryLoad",
    "DirectoryNotLoadedError",
    "DirectorySchool",
    "FileMatches",
    "LoadOutcome",
    "School",
    "SchoolCodeList",
    "UnknownOpeIdError",
    "count_matches",
    "current_load",
    "find_school",
    "list_loads",
    "list_unmatched",
    "read_school_code_list",
    "store_school_code_list",
]
