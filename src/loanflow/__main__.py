"""`python -m loanflow` is the `loanflow` command."""

from loanflow.cli import app

app(prog_name="loanflow")
