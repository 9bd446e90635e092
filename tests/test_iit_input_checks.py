"""Legal limits of a household file's income-tax choices (issue 11 §1): each is refused with exit code 2 and a
one-line message naming the file, line, field and the rule, never cut silently (rules/secondary/tax/iit.py
`check_household_inputs`)."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from gongfu.cli import app
from gongfu.engine import InputError, load_system
from gongfu.household import parse_household

runner = CliRunner()

HEAD = "  - {name: head, role: head, age: 40, employment_status: employee, wage_income: 200000"
SPOUSE = "  - {name: spouse, role: spouse, age: 38, employment_status: employee, wage_income: 100000"
KID = "  - {name: kid, role: child, age: 8}\n"
MOTHER = "  - {name: mother, role: head, age: 66}\n"


def _file(household: str, *persons: str) -> str:
    return f"year: 2025\nhousehold: {{province: beijing, area: urban{household}}}\npersons:\n" + "".join(persons)


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        (_file(", city_tier: 4", HEAD + "}\n"), ["household.city_tier", "allowed range 1–3", "第十七条", ":2:"]),
        (_file("", HEAD + ", annual_bonus: 250000}\n"), ["persons[0].annual_bonus", "more than wage_income",
                                                         "公告2023年第30号", ":4:"]),
        (_file("", HEAD + ", iit_children_deduction_share: 0.7}\n", SPOUSE + "}\n", KID),
         ["persons[0].iit_children_deduction_share", "0.7 is not allowed", "100% to one parent or 50%", "第六条"]),
        # the spouse gives 50% while the head keeps the default 100%: 150% of one child's deduction
        (_file("", HEAD + "}\n", SPOUSE + ", iit_children_deduction_share: 0.5}\n", KID),
         ["persons[1].iit_children_deduction_share", "add up to 1.5", "may not exceed 1", ":5:"]),
        (_file(", tenure: renter", HEAD + ", iit_housing_deduction_share: 1}\n",
               SPOUSE + ", iit_housing_deduction_share: 1}\n"),
         ["iit_housing_deduction_share", "add up to 2", "第十五条"]),
        (_file("", HEAD + ", iit_elderly_support_monthly: 3500, iit_only_child: true}\n"),
         ["persons[0].iit_elderly_support_monthly", "above the legal cap of 3000", "第二十二条"]),
        (_file("", HEAD + ", iit_elderly_support_monthly: 2000}\n"),
         ["above 1500", "with siblings", "iit_only_child: true"]),
        (_file("", MOTHER, "  - {name: a, role: child, age: 40, wage_income: 90000, iit_elderly_support_monthly: 1500}\n",
               "  - {name: b, role: child, age: 36, wage_income: 90000, iit_elderly_support_monthly: 1500}\n",
               "  - {name: c, role: child, age: 33, wage_income: 90000, iit_elderly_support_monthly: 1000}\n"),
         ["share 4000 a month", "above 3000", "第二十三条"]),
    ],
)
def test_illegal_choices_are_refused_with_exit_2(tmp_path, text, needles):
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    result = runner.invoke(app, ["calc", str(f)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"{f}:" in result.output
    for needle in needles:
        assert needle in result.output, (needle, result.output)


@pytest.mark.parametrize(
    "text",
    [
        _file(", city_tier: 3", HEAD + ", annual_bonus: 200000}\n"),  # a bonus equal to wages
        _file("", HEAD + ", iit_children_deduction_share: 0.5}\n", SPOUSE + ", iit_children_deduction_share: 0.5}\n",
              KID),
        _file("", HEAD + ", iit_children_deduction_share: 0}\n", SPOUSE + ", iit_children_deduction_share: 1}\n", KID),
        _file("", HEAD + ", iit_children_deduction_share: 0.5}\n"),  # no child: the share is moot
        _file("", HEAD + ", iit_elderly_support_monthly: 3000, iit_only_child: true}\n"),
        _file("", MOTHER, "  - {name: a, role: child, age: 40, wage_income: 90000, iit_elderly_support_monthly: 1500}\n",
              "  - {name: b, role: child, age: 36, wage_income: 90000, iit_elderly_support_monthly: 1500}\n"),
    ],
)
def test_legal_choices_pass(tmp_path, text):
    f = tmp_path / "ok.yaml"
    f.write_text(text)
    result = runner.invoke(app, ["calc", str(f)])
    assert result.exit_code == 0, result.output


def test_elderly_cap_follows_the_simulated_year():
    """1,200 a month is legal for a sibling in 2023 (cap 1,500) but not in 2022 (cap 1,000, 国发〔2018〕41号): the caps
    are read from the parameters of the simulated year."""
    system = load_system()
    text = _file("", HEAD + ", iit_elderly_support_monthly: 1200}\n")
    parse_household(yaml.safe_load(text.replace("year: 2025", "year: 2023")), system)
    with pytest.raises(InputError, match="above 1000, the most a taxpayer with siblings"):
        parse_household(yaml.safe_load(text.replace("year: 2025", "year: 2022")), system)
