"""The local HDFS's configuration files, written from the settings at each start.

Hadoop reads ``core-site.xml`` and ``hdfs-site.xml`` from its classpath; the
folder they are written to comes first on it. Its web servers also look up
``webapps/<name>`` on the classpath: the Maven jars of Hadoop 3.5 do not ship
the web UI, so empty folders stand in for it (WebHDFS is a servlet and needs
none of its pages).
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from loanflow.settings import Settings

# Any free port: the DataNode registers the ports it got with the NameNode,
# which names them in its WebHDFS redirects.
_ANY_PORT = "0"
_WEBAPPS = ("hdfs", "datanode", "static", "secondary", "journal")

_HEADER = (
    "<!-- Written by loanflow at each start of its local HDFS: edits are lost.\n"
    "     Change the settings (LOANFLOW_HDFS_PORT, ...) instead. -->\n"
)

LOG4J_PROPERTIES = """\
# Logging of the local HDFS. Java is started with
# -Dloanflow.hdfs.log=<home>/hdfs/<role>.log, so each process writes its own file.
log4j.rootLogger=INFO,file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=${loanflow.hdfs.log}
log4j.appender.file.MaxFileSize=10MB
log4j.appender.file.MaxBackupIndex=3
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=%d{ISO8601} %p %c{2}: %m%n
# One line per block report and state change at INFO would drown the rest.
log4j.logger.BlockStateChange=WARN
log4j.logger.org.apache.hadoop.hdfs.StateChange=WARN
log4j.logger.org.apache.hadoop.util.NativeCodeLoader=ERROR
"""


def core_site(settings: Settings, folder: Path) -> str:
    """``core-site.xml``: the default file system and the scratch folder."""
    return _configuration(
        {
            "fs.defaultFS": f"hdfs://localhost:{settings.hdfs_port}",
            "hadoop.tmp.dir": str(folder / "tmp"),
        }
    )


def hdfs_site(settings: Settings, folder: Path, datanode_host: str) -> str:
    """``hdfs-site.xml``: one NameNode and one DataNode on localhost."""
    return _configuration(
        {
            "dfs.namenode.name.dir": str(folder / "name"),
            "dfs.datanode.data.dir": str(folder / "data"),
            "dfs.namenode.rpc-address": f"localhost:{settings.hdfs_port}",
            "dfs.namenode.http-address": f"localhost:{settings.hdfs_http_port}",
            "dfs.namenode.secondary.http-address": f"localhost:{_ANY_PORT}",
            "dfs.datanode.address": f"localhost:{_ANY_PORT}",
            "dfs.datanode.http.address": f"localhost:{_ANY_PORT}",
            "dfs.datanode.ipc.address": f"localhost:{_ANY_PORT}",
            # The name WebHDFS redirects reads and writes to: it must be one
            # the clients can reach.
            "dfs.datanode.hostname": datanode_host,
            "dfs.replication": "1",
            "dfs.permissions.enabled": "true",
            "dfs.webhdfs.enabled": "true",
            # One DataNode: a pipeline that loses it has no node to replace it.
            "dfs.client.block.write.replace-datanode-on-failure.enable": "false",
            # A development cluster on a small disk: no reserve kept free.
            "dfs.datanode.du.reserved": "0",
            "dfs.namenode.resource.du.reserved": "0",
            "dfs.namenode.safemode.extension": "0",
            "dfs.heartbeat.interval": "1",
        }
    )


def write_configuration(
    settings: Settings, folder: Path, conf: Path, datanode_host: str
) -> None:
    """Write the configuration files and the stand-in web folders to ``conf``."""
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "core-site.xml").write_text(core_site(settings, folder), encoding="utf-8")
    (conf / "hdfs-site.xml").write_text(
        hdfs_site(settings, folder, datanode_host), encoding="utf-8"
    )
    (conf / "log4j.properties").write_text(LOG4J_PROPERTIES, encoding="utf-8")
    for name in _WEBAPPS:
        (conf / "webapps" / name).mkdir(parents=True, exist_ok=True)


def _configuration(properties: dict[str, str]) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', _HEADER + "<configuration>"]
    for name, value in properties.items():
        lines.append(
            f"  <property><name>{escape(name)}</name>"
            f"<value>{escape(value)}</value></property>"
        )
    lines.append("</configuration>")
    return "\n".join(lines) + "\n"
