"""A small generated sample of loan volume workbooks in the real layouts.

``loanflow run`` writes it into an empty inbox so that a first run has
something to integrate. The schools are made up and the numbers follow a
fixed formula, so every run writes the same workbooks, byte for byte (the
same publications). They carry what the real files do: title
rows and a run date, the two-row header, both data sheets and a definitions
sheet, an OPE ID stored as a number, zip codes that lost their leading zero,
foreign postal codes, a blank cell, dashes for zero (from AY2017-18) and
FFEL's placeholder school ``88888800``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from loanflow.workbooks.layouts import (
    DASHBOARD,
    DL_FIVE,
    DL_MODERN,
    Era,
    PublishedCell,
    ReportSpec,
    SchoolLine,
    workbook_grids,
    write_xlsx,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _School:
    ope_id: str
    name: str
    state: str
    zip_code: str
    school_type: str
    graduate: bool


_SCHOOLS = (
    _School(
        "00100200", "NORTHFIELD STATE UNIVERSITY", "AL", "357621357", "public", True
    ),
    _School("00100700", "PINE HILL COMMUNITY COLLEGE", "AL", "36104", "public", False),
    _School(
        "00106100", "GLACIER BAY COLLEGE", "AK", "995084672", "private_nonprofit", True
    ),
    _School("00108100", "DESERT SUN UNIVERSITY", "AZ", "85287", "public", True),
    _School(
        "00111000",
        "GOLDEN COAST INSTITUTE OF DESIGN",
        "CA",
        "900071234",
        "proprietary",
        False,
    ),
    _School(
        "00113200", "REDWOOD VALLEY COLLEGE", "CA", "95521", "private_nonprofit", True
    ),
    _School(
        "00135000", "FRONT RANGE TECHNICAL COLLEGE", "CO", "80202", "public", False
    ),
    _School(
        "00140200", "HARBOR POINT UNIVERSITY", "CT", "06033", "private_nonprofit", True
    ),
    _School(
        "00671300",
        "UNIVERSITY OF NORTHERN OXFORD",
        "FC",
        "OX1 2JD",
        "foreign_public",
        True,
    ),
    _School(
        "00683700", "COLLEGE DU SAINT-LAURENT", "FC", "H3A 0G4", "foreign_private", True
    ),
    _School(
        "01207800",
        "SOUTHERN CROSS MEDICAL SCHOOL",
        "FC",
        "6140",
        "foreign_for_profit",
        True,
    ),
    _School("00151000", "SUNSHINE BEAUTY ACADEMY", "FL", "33101", "proprietary", False),
    _School(
        "00156800", "PEACHTREE UNIVERSITY", "GA", "303030001", "private_nonprofit", True
    ),
    _School("00170900", "PRAIRIE STATE UNIVERSITY", "IL", "61820", "public", True),
    _School(
        "00216000",
        "BAY STATE COLLEGE OF MUSIC",
        "MA",
        "02139",
        "private_nonprofit",
        True,
    ),
    _School("00229000", "GREAT LAKES UNIVERSITY", "MI", "48109", "public", True),
    _School("00262900", "GARDEN STATE COLLEGE", "NJ", "07102", "public", False),
    _School(
        "00275000",
        "EMPIRE CITY INSTITUTE OF TECHNOLOGY",
        "NY",
        "100271234",
        "proprietary",
        False,
    ),
    _School("00290100", "BUCKEYE UNIVERSITY", "OH", "43210", "public", True),
    _School("00331100", "KEYSTONE BARBER SCHOOL", "PA", "19104", "proprietary", False),
    _School(
        "00393900", "ISLA VERDE UNIVERSITY", "PR", "00936", "private_nonprofit", True
    ),
    _School(
        "00361000", "LONE STAR COLLEGE OF NURSING", "TX", "77002", "proprietary", True
    ),
    _School("00367700", "CASCADE UNIVERSITY", "WA", "98195", "public", True),
    _School(
        "00392900", "HIGH PLAINS COMMUNITY COLLEGE", "WY", "82001", "public", False
    ),
)
_PLACEHOLDER = _School(
    "88888800", "DEFAULT SCHOOL FOR CONSOLIDATED LOANS", "NR", "00000", "other", True
)
_GRADUATE_LOAN_TYPES = {"subsidized_graduate", "unsubsidized_graduate", "grad_plus"}

# File names start with "sample-" so that the generated data is never taken for
# FSA's in `source_file`. Run dates are a few weeks after each quarter: earlier
# than FSA's real publications of these reports, so a real publication loaded
# into the same warehouse always ranks as the latest, whatever the order.
_SAMPLE_REPORTS: tuple[tuple[str, Era, ReportSpec], ...] = (
    (
        "sample-FL_Dashboard_AY2009_2010_Q2.xlsx",
        DASHBOARD,
        ReportSpec("FFEL", "2009-2010", 2, date(2010, 1, 20)),
    ),
    (
        "sample-DL_Dashboard_AY2012_2013_Q4.xlsx",
        DL_FIVE,
        ReportSpec("DL", "2012-2013", 4, date(2013, 7, 22)),
    ),
    (
        "sample-dl-dashboard-ay2018-2019-q1.xlsx",
        DL_MODERN,
        ReportSpec("DL", "2018-2019", 1, date(2018, 10, 15)),
    ),
)


def write_sample(folder: Path) -> list[Path]:
    """Write the sample workbooks into a folder (created if missing).

    Args:
        folder: where to write; existing files of the same names are replaced.

    Returns:
        The workbooks written: FFEL AY2009-10 Q2, DL AY2012-13 Q4 and DL
        AY2018-19 Q1, ``.xlsx``, a few dozen schools each.
    """
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for file_name, era, report in _SAMPLE_REPORTS:
        lines = {
            period: sample_school_lines(era, report, period)
            for period in ("quarter", "year_to_date")
        }
        path = write_xlsx(folder / file_name, workbook_grids(era, report, lines))
        logger.debug("wrote sample workbook file=%s", path)
        paths.append(path)
    return paths


def sample_school_lines(era: Era, report: ReportSpec, period: str) -> list[SchoolLine]:
    """The sample's school lines for one sheet, sorted by state as FSA does.

    The quarterly sheet leaves out every seventh school after quarter 1, as
    real quarterly sheets list only schools with activity in the quarter.
    """
    quarter = report.quarter or 4
    schools = list(_SCHOOLS)
    if report.program == "FFEL":
        schools.append(_PLACEHOLDER)
    lines = []
    for number, school in enumerate(schools):
        if period == "quarter" and quarter > 1 and number % 7 == 6:
            continue
        volumes = tuple(
            _volume(number, block, loan_type, school, quarter, period)
            for block, loan_type in enumerate(era.loan_types)
        )
        lines.append(_published_school(number, school, volumes))
    return sorted(lines, key=lambda line: (str(line.state), str(line.ope_id)))


def _published_school(
    number: int, school: _School, volumes: tuple[tuple[PublishedCell, ...], ...]
) -> SchoolLine:
    """A school's identity cells, some stored as numbers the way FSA's were."""
    ope_id: PublishedCell = school.ope_id
    zip_code: PublishedCell = school.zip_code
    if number == 0:
        ope_id = int(school.ope_id)  # 100200: leading zeros lost
    if school.state in ("NJ", "MA"):
        zip_code = int(school.zip_code)  # 7102: the zip's zero lost
    return SchoolLine(
        ope_id=ope_id,
        school_name=school.name,
        state=school.state,
        zip_code=zip_code,
        school_type=school.school_type,
        volumes=volumes,
    )


def _volume(
    number: int,
    block: int,
    loan_type: str,
    school: _School,
    quarter: int,
    period: str,
) -> tuple[PublishedCell, ...]:
    """Five metrics of one loan type, from a fixed formula; zero where none."""
    if loan_type in _GRADUATE_LOAN_TYPES and not school.graduate:
        return (0, 0, 0, 0, 0)
    recipients = 3 + (number * 37 + block * 53) % 290
    if period == "year_to_date":
        recipients = recipients * quarter + (number + block) % 4 * (quarter - 1)
    loans = recipients + (number + block) % 5
    amount = loans * (3500 + 250 * ((number * 7 + block * 3) % 13))
    disbursements = loans + loans * ((number + block) % 3) // 2
    disbursed = amount * (100 - 5 * (number % 4)) // 100
    if number == 5 and block == 0:
        # One blank cell: a missing value, which is not zero.
        return (recipients, loans, None, disbursements, disbursed)
    return (recipients, loans, amount, disbursements, disbursed)
