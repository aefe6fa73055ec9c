"""Kafka records to warehouse records: parse, check, keep aside what does not fit.

``parse_messages`` runs in Spark: it parses each value with ``from_json`` and the
explicit schema v1, and lists every problem of a message (its JSON shape, see
``schema``, then its values: OPE ID, period, loan type…). ``to_record`` runs on
the driver and makes a ``SchoolRowRecord``, or a ``RejectedRecord`` that keeps
the raw value, the reasons and the topic, partition and offset.
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import Column, DataFrame, Row, SparkSession
from pyspark.sql import functions as F

from loanflow.publish.messages import (
    KIND_REJECTED,
    KIND_SCHOOL_ROW,
    SCHEMA_VERSION,
    encode_school_row,
)
from loanflow.stream import schema
from loanflow.stream.schema import problem, problems_where
from loanflow.warehouse.records import (
    KafkaOrigin,
    Record,
    RejectedRecord,
    RejectSource,
    SchoolRowRecord,
)
from loanflow.workbooks.model import (
    LOAN_TYPES,
    PERIODS,
    PROGRAMS,
    SCHOOL_TYPES,
    LoanTypeVolume,
    Publication,
    SchoolRow,
)

_SHA256 = "^[0-9a-f]{64}$"


def parse_messages(kafka: DataFrame) -> DataFrame:
    """Parse and check the records of Kafka's source.

    Args:
        kafka: a frame with Kafka's columns (``topic``, ``partition``,
            ``offset``, ``value``).

    Returns:
        One row per record: ``topic``, ``partition``, ``offset``, ``kind``,
        ``message`` (the parsed struct), ``problems`` (empty when the message
        fits), hints of where a rejected message came from (``source_file``,
        ``source_sha256``, ``sheet``, ``row``), and ``value`` for the records
        that are kept with their raw text.
    """
    text = F.col("value").cast("string")
    parsed = kafka.select(
        "topic",
        "partition",
        "offset",
        "value",
        F.is_valid_utf8(text).alias("utf8"),
        F.try_parse_json(text).alias("variant"),
        F.from_json(text, schema.MESSAGE).alias("message"),
    )
    variant = F.col("variant")
    problems = _problems(F.col("value"), F.col("utf8"), variant, F.col("message"))
    checked = parsed.select(
        "topic",
        "partition",
        "offset",
        "value",
        F.col("message.kind").alias("kind"),
        "message",
        problems.alias("problems"),
        _hint(variant, "string", "$.publication.source_file", "$.source_file").alias(
            "source_file"
        ),
        _hint(
            variant, "string", "$.publication.source_sha256", "$.source_sha256"
        ).alias("source_sha256"),
        _hint(variant, "string", "$.sheet").alias("sheet"),
        _hint(variant, "bigint", "$.row").alias("row"),
    )
    # The raw text only travels to the driver for records kept aside.
    kept = (F.size("problems") > 0) | (F.col("kind") == KIND_REJECTED)
    return checked.withColumn("value", F.when(kept, F.col("value")))


def to_record(row: Row) -> Record:
    """The warehouse record of one row of ``parse_messages``."""
    origin = KafkaOrigin(row["topic"], row["partition"], row["offset"])
    raw = (
        None
        if row["value"] is None
        else bytes(row["value"]).decode("utf-8", errors="backslashreplace")
    )
    if row["problems"]:
        return _rejected("stream", row, raw, origin)
    message = row["message"]
    if message["kind"] == KIND_REJECTED:
        return _rejected("workbook", message, raw, origin, tuple(message["cells"]))
    return _school_row_record(message, origin)


def _rejected(
    source: RejectSource,
    found: Row,
    raw: str | None,
    origin: KafkaOrigin,
    cells: tuple[str, ...] | None = None,
) -> RejectedRecord:
    """A rejected record from a row (or message) with problems and a location."""
    return RejectedRecord(
        source=source,
        problems=tuple((p["column"], p["reason"]) for p in found["problems"]),
        source_file=found["source_file"],
        source_sha256=found["source_sha256"],
        sheet=found["sheet"],
        row=found["row"],
        cells=cells,
        raw_value=raw,
        origin=origin,
    )


def _school_row_record(message: Row, origin: KafkaOrigin) -> SchoolRowRecord:
    publication = message["publication"]
    run_date = publication["run_date"]
    return SchoolRowRecord(
        publication=Publication(
            program=publication["program"],
            award_year=publication["award_year"],
            quarter=publication["quarter"],
            run_date=date.fromisoformat(run_date) if run_date else None,
            source_file=publication["source_file"],
            source_sha256=publication["source_sha256"],
        ),
        school_rows=publication["school_rows"],
        row=SchoolRow(
            period=message["period"],
            sheet=message["sheet"],
            row=message["row"],
            ope_id=message["ope_id"],
            school_name=message["school_name"],
            state=message["state"],
            zip_code=message["zip_code"],
            school_type=message["school_type"],
            volumes=tuple(
                LoanTypeVolume(**volume.asDict()) for volume in message["volumes"]
            ),
        ),
        origin=origin,
        source_uri=publication["source_uri"],
    )


def _problems(value: Column, utf8: Column, variant: Column, message: Column) -> Column:
    """Every problem of a message, from the most basic that applies."""
    kind = message["kind"]
    version = message["schema_version"]
    envelope = schema.shape_problems(schema.ENVELOPE, variant)
    return (
        F.when(value.isNull(), F.array(problem(None, "is empty (a null value)")))
        .when(~utf8, F.array(problem(None, "is not UTF-8 text")))
        .when(variant.isNull(), F.array(problem(None, "is not JSON")))
        .when(
            ~F.schema_of_variant(variant).startswith("OBJECT"),
            F.array(
                problem(
                    None,
                    F.concat(
                        F.lit("must be a JSON object, not "), schema.json_type(variant)
                    ),
                )
            ),
        )
        .when(F.size(envelope) > 0, envelope)
        .when(
            version != SCHEMA_VERSION,
            F.array(
                problem(
                    "schema_version",
                    F.concat(
                        F.lit("is "),
                        version.cast("string"),
                        F.lit(f": this loanflow reads version {SCHEMA_VERSION}"),
                    ),
                )
            ),
        )
        .when(
            kind == KIND_SCHOOL_ROW,
            F.concat(
                schema.shape_problems(schema.SCHOOL_ROW, variant),
                _school_row_problems(message),
            ),
        )
        .when(
            kind == KIND_REJECTED,
            F.concat(
                schema.shape_problems(schema.REJECTED, variant),
                _rejected_problems(message),
            ),
        )
        .otherwise(
            F.array(
                problem(
                    "kind",
                    F.concat(
                        F.lit("is '"),
                        kind,
                        F.lit(f"': expected '{KIND_SCHOOL_ROW}' or '{KIND_REJECTED}'"),
                    ),
                )
            )
        )
    )


def _school_row_problems(message: Column) -> Column:
    """Problems with the values of a ``school_row`` whose fields parsed."""
    publication = message["publication"]
    award_year = publication["award_year"]
    first_year = F.substring(award_year, 1, 4).cast("int")
    run_date = publication["run_date"]
    volumes = message["volumes"]
    loan_types = F.transform(volumes, lambda volume: volume["loan_type"])
    found = problems_where(
        (
            ~publication["program"].isin(*PROGRAMS),
            _unexpected("publication.program", publication["program"], PROGRAMS),
        ),
        (
            ~award_year.rlike(r"^\d{4}-\d{4}$")
            | (F.substring(award_year, 6, 4).cast("int") != first_year + 1),
            _quoted(
                "publication.award_year", award_year, "consecutive years like 2009-2010"
            ),
        ),
        (
            ~publication["quarter"].between(1, 4),
            _quoted("publication.quarter", publication["quarter"], "1 to 4 or null"),
        ),
        (
            run_date.isNotNull()
            & ~(
                run_date.rlike(r"^\d{4}-\d{2}-\d{2}$")
                & F.try_to_date(run_date, "yyyy-MM-dd").isNotNull()
            ),
            _quoted("publication.run_date", run_date, "an ISO date like 2010-07-05"),
        ),
        (
            ~publication["source_sha256"].rlike(_SHA256),
            problem("publication.source_sha256", "must be 64 lowercase hex digits"),
        ),
        (
            publication["school_rows"] < 1,
            problem("publication.school_rows", "must be at least 1"),
        ),
        (
            ~message["period"].isin(*PERIODS),
            _unexpected("period", message["period"], PERIODS),
        ),
        (message["row"] < 1, problem("row", "must be at least 1")),
        (
            ~message["ope_id"].rlike(r"^\d{8}$"),
            _quoted("ope_id", message["ope_id"], "8 digits"),
        ),
        (
            ~message["school_type"].isin(*SCHOOL_TYPES),
            _unexpected("school_type", message["school_type"], SCHOOL_TYPES),
        ),
        (
            F.size(volumes) == 0,
            problem("volumes", "is empty: a school row has at least one loan type"),
        ),
        (
            F.size(F.array_distinct(loan_types)) < F.size(volumes),
            problem("volumes", "names a loan type more than once"),
        ),
    )
    unknown_loan_types = F.array_compact(
        F.transform(
            volumes,
            lambda volume, index: F.when(
                ~volume["loan_type"].isin(*LOAN_TYPES),
                _unexpected(
                    F.concat(
                        F.lit("volumes["), index.cast("string"), F.lit("].loan_type")
                    ),
                    volume["loan_type"],
                    LOAN_TYPES,
                ),
            ),
        )
    )
    return F.concat(found, F.coalesce(unknown_loan_types, F.array()))


def _rejected_problems(message: Column) -> Column:
    """Problems with the values of a ``rejected`` message whose fields parsed."""
    return problems_where(
        (
            F.size(message["problems"]) == 0,
            problem("problems", "is empty: a rejected record says why"),
        ),
        (
            ~message["source_sha256"].rlike(_SHA256),
            problem("source_sha256", "must be 64 lowercase hex digits or null"),
        ),
        (message["row"] < 1, problem("row", "must be at least 1 or null")),
    )


def _quoted(column: str, value: Column, expected: str) -> Column:
    return problem(
        column,
        F.concat(F.lit("is '"), value.cast("string"), F.lit(f"': expected {expected}")),
    )


def _unexpected(
    column: Column | str, value: Column, allowed: tuple[str, ...]
) -> Column:
    return problem(
        column,
        F.concat(
            F.lit("is '"), value, F.lit(f"': expected one of {', '.join(allowed)}")
        ),
    )


def _hint(variant: Column, type_name: str, *paths: str) -> Column:
    """A field of a message that may not fit the schema, for finding it again."""
    return F.coalesce(*[F.try_variant_get(variant, path, type_name) for path in paths])


def warm_up(session: SparkSession) -> None:
    """Run ``parse_messages`` once on one made-up message, and forget the result.

    The first batch a Spark session computes with these checks pays for
    generating and compiling their code and for the JVM's warming up: several
    seconds on two cores. `loanflow watch` does it before the first file
    arrives, so the first workbook dropped in is not the one that waits.
    """
    publication = Publication(
        "DL", "2000-2001", 1, date(2001, 1, 1), "warm-up.xls", "0" * 64
    )
    row = SchoolRow(
        "quarter",
        "Quarterly",
        7,
        "00000100",
        "Warm-up",
        "AL",
        "35000",
        "public",
        tuple(LoanTypeVolume(loan_type, 1, 1, 1, 1, 1) for loan_type in LOAN_TYPES[:4]),
    )
    _, value = encode_school_row(publication, row, 1)
    frame = session.createDataFrame(
        [("warm-up", 0, 0, bytearray(value))],
        "topic string, partition int, offset long, value binary",
    )
    parse_messages(frame).collect()
