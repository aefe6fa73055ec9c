"""Tests of loanflow.workbooks: the reader, its parts and the sample."""
