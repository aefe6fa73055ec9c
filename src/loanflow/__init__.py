"""loanflow: U.S. federal student loan volume, from FSA workbooks to a warehouse."""

__version__ = "0.1.0"
