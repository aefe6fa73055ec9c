"""A single-node HDFS for development and tests (`loanflow hdfs`)."""

from loanflow.hdfs.cluster import HdfsStatus, LocalHdfs

__all__ = ["HdfsStatus", "LocalHdfs"]
