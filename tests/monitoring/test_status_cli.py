"""`loanflow status` with Kafka down: it says so in one line and exits 3."""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path

from typer.testing import CliRunner

from loanflow.broker.ports import free_port_pair
from loanflow.cli import app
from loanflow.warehouse import connect, write_batch


def invoke(*args: str, home: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--home", str(home), "status", *args])
    return result.exit_code, result.stdout


def test_status_says_kafka_is_not_reachable(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    with closing(connect(db)) as conn:
        write_batch(conn, "checkpoint-a", 0, [])
    port = str(free_port_pair())

    code, out = invoke("--db", str(db), "--kafka-port", port, home=tmp_path)

    assert code == 3
    assert out.splitlines()[0] == f"Kafka not reachable at localhost:{port}"
    assert "Files seen: 0 (0 complete)" in out


def test_status_json_has_the_facts(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    with closing(connect(db)) as conn:
        write_batch(conn, "checkpoint-a", 0, [])
        write_batch(conn, "checkpoint-a", 1, [])
    port = str(free_port_pair())

    code, out = invoke("--db", str(db), "--kafka-port", port, "--json", home=tmp_path)

    facts = json.loads(out)
    assert code == 3
    assert (facts["kafka_reachable"], facts["lag"], facts["healthy"]) == (
        False,
        None,
        False,
    )
    assert [b["batch_id"] for b in facts["batches"]] == [1, 0]
    assert all(b["seconds"] is not None for b in facts["batches"])
    assert facts["checkpoint_exists"] is False


def test_status_of_a_foreign_warehouse_exits_2_a_missing_one_is_said(
    tmp_path: Path,
) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("not a database\n")
    port = str(free_port_pair())

    missing = invoke(
        "--db", str(tmp_path / "none.db"), "--kafka-port", port, home=tmp_path
    )
    foreign = invoke("--db", str(junk), "--kafka-port", port, home=tmp_path)

    # Kafka is not running on that port: 3, whatever the missing warehouse.
    assert (missing[0], foreign[0]) == (3, 2)
    assert f"No warehouse at {tmp_path / 'none.db'} yet" in missing[1]
    assert "file is not a database" in foreign[1]
