"""The web dashboard (`loanflow dashboard`): read-only pages on the warehouse."""

from loanflow.dashboard.app import create_app

__all__ = ["create_app"]
