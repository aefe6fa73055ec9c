"""Errors of the school directory, in loanflow's one hierarchy."""

from __future__ import annotations

from loanflow.errors import ConfigurationError, FatalError


class DirectoryNotLoadedError(FatalError):
    """The warehouse holds no Federal School Code List yet.

    Attributes:
        db: the warehouse file.
    """

    def __init__(self, db: str) -> None:
        self.db = db
        super().__init__(
            f"{db} holds no Federal School Code List: load one with "
            f"`loanflow schools load FILE --db {db}`"
        )


class UnknownOpeIdError(ConfigurationError):
    """An OPE ID that no loan file of the warehouse names.

    Attributes:
        ope_id: the OPE ID asked for.
        db: the warehouse file.
    """

    def __init__(self, ope_id: str, db: str) -> None:
        self.ope_id = ope_id
        self.db = db
        super().__init__(
            f"OPE ID {ope_id} is in no loan file of {db}: check the number, or "
            f"run the workbooks that hold it"
        )
