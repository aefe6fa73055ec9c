"""Message schema v1 as Spark types, and a check of each message's JSON shape.

``from_json`` in PERMISSIVE mode turns a value of the wrong type into NULL (and
a number into text where a string belongs), so it cannot tell a blank cell from
a broken message. Each message is therefore also parsed as a VARIANT, which
keeps the JSON types, and checked against the same ``StructType`` it is parsed
with: every field must be present, of its JSON type, and not null unless the
field is nullable. Integers must be JSON integers that fit in 64 bits: ``"12"``
or ``12.0`` where a count belongs is a problem, not a NULL.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql.types import (
    ArrayType,
    DataType,
    LongType,
    StringType,
    StructField,
    StructType,
)

# Field metadata: the field may be absent from a message.
OPTIONAL = "loanflow_optional"


def _text(name: str, nullable: bool = False) -> StructField:
    return StructField(name, StringType(), nullable)


def _integer(name: str, nullable: bool = False) -> StructField:
    return StructField(name, LongType(), nullable)


def _optional_text(name: str) -> StructField:
    """A text field a message may leave out (absent or null: unknown)."""
    return StructField(name, StringType(), True, metadata={OPTIONAL: True})


ENVELOPE = StructType([_integer("schema_version"), _text("kind")])

PUBLICATION = StructType(
    [
        _text("program"),
        _text("award_year"),
        _integer("quarter", nullable=True),
        _text("run_date", nullable=True),
        _text("source_file"),
        _text("source_sha256"),
        _integer("school_rows"),
        _optional_text("source_uri"),
    ]
)

VOLUME = StructType(
    [
        _text("loan_type"),
        _integer("recipients", nullable=True),
        _integer("loans_originated", nullable=True),
        _integer("loans_originated_amount", nullable=True),
        _integer("disbursements", nullable=True),
        _integer("disbursements_amount", nullable=True),
    ]
)

SCHOOL_ROW = StructType(
    [
        StructField("publication", PUBLICATION, False),
        _text("period"),
        _text("sheet"),
        _integer("row"),
        _text("ope_id"),
        _text("school_name", nullable=True),
        _text("state", nullable=True),
        _text("zip_code", nullable=True),
        _text("school_type"),
        StructField("volumes", ArrayType(VOLUME, containsNull=False), False),
    ]
)

PROBLEM = StructType([_text("column", nullable=True), _text("reason")])

REJECTED = StructType(
    [
        _text("source_file"),
        _text("source_sha256", nullable=True),
        _text("sheet", nullable=True),
        _integer("row", nullable=True),
        StructField("problems", ArrayType(PROBLEM, containsNull=False), False),
        StructField("cells", ArrayType(StringType(), containsNull=False), False),
    ]
)


def _merge(*schemas: StructType) -> StructType:
    """One schema with the fields of all, for a single ``from_json``."""
    fields: dict[str, StructField] = {}
    for schema in schemas:
        for field in schema.fields:
            fields.setdefault(field.name, field)
    return StructType(list(fields.values()))


MESSAGE = _merge(ENVELOPE, SCHOOL_ROW, REJECTED)
"""Every field of message v1 (both kinds), as ``from_json`` parses it."""

# How VARIANT names a JSON value's type, and the words a person reads.
_JSON_TYPES: dict[str, str] = {
    "STRING": "a string",
    "BIGINT": "an integer",
    "OBJECT": "an object",
    "ARRAY": "an array",
    "BOOLEAN": "true or false",
    "DECIMAL": "a decimal number",
    "DOUBLE": "a decimal number",
    "VOID": "null",
}


def problem(column: Column | str | None, reason: Column | str) -> Column:
    """One ``(column, reason)`` problem as a Spark struct."""
    column_value = (
        F.lit(column) if column is None or isinstance(column, str) else column
    )
    reason_value = F.lit(reason) if isinstance(reason, str) else reason
    return F.struct(
        column_value.cast("string").alias("column"), reason_value.alias("reason")
    )


def problems_where(*checks: tuple[Column, Column]) -> Column:
    """The problems whose condition holds (a NULL condition does not hold)."""
    return F.array_compact(
        F.array(*[F.when(condition, found) for condition, found in checks])
    )


def json_type(value: Column) -> Column:
    """The JSON type of a VARIANT value in words (``an integer``), NULL if absent."""
    variant_type = F.schema_of_variant(value)
    words = F.lit("an unknown value")
    for name, label in reversed(_JSON_TYPES.items()):
        words = F.when(variant_type.startswith(name), F.lit(label)).otherwise(words)
    return F.when(value.isNotNull(), words)


def shape_problems(schema: StructType, message: Column) -> Column:
    """Problems with the JSON shape of ``message`` (a VARIANT) against ``schema``.

    Args:
        schema: the expected object; a field that is not nullable must not be
            null. Every field must be present unless its metadata marks it
            ``OPTIONAL``; extra fields are allowed.
        message: the parsed message as VARIANT.

    Returns:
        An array of ``(column, reason)`` structs, empty when the shape fits.
        Columns are JSON paths such as ``volumes[2].recipients``.
    """
    return _object_problems(schema, message, None)


def _object_problems(schema: StructType, value: Column, path: Column | None) -> Column:
    found = [
        _value_problems(
            field.dataType,
            F.variant_get(value, f"$.{field.name}", "variant"),
            F.lit(field.name)
            if path is None
            else F.concat(path, F.lit(f".{field.name}")),
            nullable=field.nullable,
            optional=bool(field.metadata.get(OPTIONAL)),
        )
        for field in schema.fields
    ]
    return F.flatten(F.array(*found))


def _value_problems(
    expected: DataType,
    value: Column,
    path: Column,
    *,
    nullable: bool,
    optional: bool = False,
) -> Column:
    variant_type = F.schema_of_variant(value)
    is_null = variant_type == "VOID"
    if isinstance(expected, StructType):
        fits = variant_type.startswith("OBJECT")
        label = "an object"
    elif isinstance(expected, ArrayType):
        fits = variant_type.startswith("ARRAY")
        label = "an array"
    elif isinstance(expected, LongType):
        fits = variant_type == "BIGINT"
        label = "an integer"
    else:
        fits = variant_type == "STRING"
        label = "a string"
    own = problems_where(
        (value.isNull() & F.lit(not optional), problem(path, "is missing")),
        (is_null & F.lit(not nullable), problem(path, "must not be null")),
        (
            ~is_null & ~fits,
            problem(path, F.concat(F.lit(f"must be {label}, not "), json_type(value))),
        ),
    )
    if isinstance(expected, StructType):
        inner = _object_problems(expected, value, path)
    elif isinstance(expected, ArrayType):
        element_type = expected.elementType
        inner = F.flatten(
            F.transform(
                F.try_variant_get(value, "$", "array<variant>"),
                lambda element, index: _value_problems(
                    element_type,
                    element,
                    F.concat(path, F.lit("["), index.cast("string"), F.lit("]")),
                    nullable=expected.containsNull,
                ),
            )
        )
    else:
        return own
    # Look inside only a value of the right type: a missing object is one
    # problem, not one per field.
    return F.when(fits, F.concat(own, inner)).otherwise(own)
