"""Values sessions print as constructor calls (dates, Decimals, Fractions) and prose that states them in
everyday notation (`2024-01-15`): read without evaluating anything, rendered into checks that run."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction

import pytest

from agent.issue_checks import extract_checks
from agent.issue_literals import INVALID, family, parse_value, value_source
from agent.issue_render import reproduced_reason, render_check_test


@pytest.mark.parametrize("text, value", [
    ("datetime.date(2024, 1, 15)", dt.date(2024, 1, 15)),
    ("datetime.datetime(2024, 1, 15, 10, 30)", dt.datetime(2024, 1, 15, 10, 30)),
    ("datetime.timedelta(days=1, seconds=5)", dt.timedelta(days=1, seconds=5)),
    ("datetime.time(9, 5)", dt.time(9, 5)),
    ("date(2024, 1, 15)", dt.date(2024, 1, 15)),
    ("Decimal('0.30')", Decimal("0.30")),
    ("decimal.Decimal('-1.5')", Decimal("-1.5")),
    ("Fraction(1, 3)", Fraction(1, 3)),
    ("[datetime.date(2023, 11, 5), datetime.date(2024, 1, 5)]", [dt.date(2023, 11, 5), dt.date(2024, 1, 5)]),
    ("{'due': datetime.date(2024, 2, 29), 'paid': None}", {"due": dt.date(2024, 2, 29), "paid": None}),
    ("(Decimal('1'), Counter({'a': 2}))", (Decimal("1"), {"a": 2})),
])
def test_printed_reprs_are_values(text, value):
    got = parse_value(text)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("text", [
    "datetime.date(2024, 13, 1)",           # no such date
    "Decimal(0.1)",                         # a float's digits, not the issue's
    "Decimal('NaN')",
    "Fraction('1e99999999')",               # no huge integer from a short text
    "date.today()",
    "os.date(2024, 1, 1)",
    "datetime.date(__import__('os').getpid(), 1, 1)",
    "[datetime.date(2024, 1, 1), open('x')]",
    "datetime.datetime(2017, 7, 6, 20, 50, tzinfo=pytz.utc)",
])
def test_what_is_not_a_value(text):
    assert parse_value(text) is INVALID


def test_deep_or_huge_texts_are_no_value_and_cost_nothing():
    assert parse_value("[" * 1300 + "]" * 1300) is INVALID
    assert parse_value("[" * 60 + "datetime.date(2024, 1, 1)" + "]" * 60) is INVALID       # nesting cap
    assert parse_value("[" * 40 + "datetime.date(2024, 1, 1)" + "]" * 40) is not INVALID
    assert parse_value("datetime.timedelta(days=1e300)") is INVALID                         # OverflowError


def test_iso_dates_in_prose_take_the_shown_values_notation():
    shown = parse_value("[datetime.date(2023, 11, 5), datetime.date(2023, 1, 5)]")
    assert parse_value("[2023-11-05, 2024-01-05]", like=shown) == [dt.date(2023, 11, 5), dt.date(2024, 1, 5)]
    assert parse_value("2024-01-15", like=dt.date(2023, 1, 15)) == dt.date(2024, 1, 15)
    assert parse_value("2024-01-15 10:30", like=dt.datetime(2023, 1, 15, 9)) == dt.datetime(2024, 1, 15, 10, 30)
    assert parse_value("2024-01-15", like=dt.datetime(2023, 1, 15, 9)) is INVALID    # midnight? no guess
    assert parse_value("2024-01-15", like="2023-01-15") is INVALID                   # a string stays text
    assert parse_value("2024-01-15") is INVALID
    assert parse_value("[2024-01-15]", like=dt.date(2023, 1, 15)) is INVALID         # a list is not a date
    assert family(dt.date(2024, 1, 1)) == "date" and family(Decimal("1")) == "number"


def test_value_source_survives_a_setup_that_rebinds_datetime():
    src = value_source(repr([dt.date(2024, 1, 5), Decimal("0.30"), (Fraction(1, 3),), set()]))
    assert src == "[_datetime.date(2024, 1, 5), _decimal.Decimal('0.30'), (_fractions.Fraction(1, 3),), set()]"
    assert value_source("212.0") == "212.0" and value_source("{'a': [1, 2]}") == "{'a': [1, 2]}"


BILLING = '''# Renewals in December are dated in the past

```python
>>> from datetime import datetime, date
>>> from cycle import next_renewal, renewals
>>> next_renewal(date(2023, 12, 15))
datetime.date(2023, 1, 15)
>>> renewals(date(2023, 11, 5), 3)
[datetime.date(2023, 11, 5), datetime.date(2023, 12, 5), datetime.date(2023, 1, 5)]
```

Expected `2024-01-15` and `[2023-11-05, 2023-12-05, 2024-01-05]`.
'''

CYCLE = '''import datetime as dt


def next_renewal(day):
    return day.replace(year=day.year {plus}, month=day.month % 12 + 1)


def renewals(start, count):
    days = [start]
    while len(days) < count:
        days.append(next_renewal(days[-1]))
    return days
'''


def _run(tmp_path, checks, plus):
    (tmp_path / "cycle.py").write_text(CYCLE.format(plus=plus))
    (tmp_path / "test_issue.py").write_text(render_check_test(checks))
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_issue.py"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)


def test_a_session_of_dates_corrected_in_iso_prose_is_a_check_that_runs(tmp_path):
    """The setup binds `datetime` to the class; the expected dates still build. The checks fail on the bug
    for the issue's reason and pass on the fix."""
    checks = extract_checks(BILLING)
    assert [(c.call, c.expected) for c in checks] == [
        ("next_renewal(date(2023, 12, 15))", "datetime.date(2024, 1, 15)"),
        ("renewals(date(2023, 11, 5), 3)",
         "[datetime.date(2023, 11, 5), datetime.date(2023, 12, 5), datetime.date(2024, 1, 5)]")]
    bug = _run(tmp_path, checks, "")
    assert bug.returncode == 1 and "2 failed" in bug.stdout and reproduced_reason("fail", bug.stdout) is None
    assert "the issue expects datetime.date(2024, 1, 15)" in bug.stdout
    fixed = _run(tmp_path, checks, "+ (day.month == 12)")
    assert fixed.returncode == 0, fixed.stdout


def test_a_decimal_session_corrected_by_prose():
    text = ("```python\n>>> from decimal import Decimal\n>>> from money import split\n"
            ">>> split(Decimal('10.00'), 3)\n[Decimal('3.33'), Decimal('3.33'), Decimal('3.33')]\n```\n\n"
            "I expected `[Decimal('3.34'), Decimal('3.33'), Decimal('3.33')]`: the cents must add up.\n")
    [check] = extract_checks(text)
    assert check.expected == "[Decimal('3.34'), Decimal('3.33'), Decimal('3.33')]"
    assert "expected = [_decimal.Decimal('3.34')" in render_check_test([check])
