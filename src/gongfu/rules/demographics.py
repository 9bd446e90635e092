"""Who lives where: household and person characteristics, and the defaults the law's tests need.

Entitlements that follow hukou (户籍) read `hukou_province` and `hukou_type`, which default to the place of
residence when not given. Defaults below are conventions of the household calculator, stated in each docstring;
a population file gives every one of them explicitly.
"""

from __future__ import annotations

import numpy as np

from gongfu.engine import HOUSEHOLD, PERSON, input_variable, variable
from gongfu.engine.enums import Area, EmploymentStatus, HukouType, PensionScheme, Role, Sex, Tenure
from gongfu.engine.variables import AMOUNT, Above

CENSUS = "第七次全国人口普查 (2020) 定义; 户口登记条例 (1958)"

# -------------------------------------------------------------- household
input_variable("household_id", entity=HOUSEHOLD, dtype="int64", unit="id",
               label={"en": "Household identifier", "zh": "家庭户编号"})
input_variable("province", entity=HOUSEHOLD, dtype="int8", unit="GB/T 2260",
               label={"en": "Province of residence", "zh": "常住省份"}, reference="GB/T 2260 行政区划代码")
input_variable("area", entity=HOUSEHOLD, dtype="enum", enum=Area, default=Area.urban, unit="code",
               label={"en": "Urban or rural area of residence", "zh": "城乡属性(常住地)"},
               reference="国家统计局 统计上划分城乡的规定 (2008)")
# a weight is the number of households a row represents: more than 0 (a zero total makes every mean 0/0)
input_variable("weight", entity=HOUSEHOLD, unit="households", default=1.0, valid=(Above(0), None),
               label={"en": "Households represented (survey weight)", "zh": "权数(代表户数)"})
input_variable("tenure", entity=HOUSEHOLD, dtype="enum", enum=Tenure, default=Tenure.owner, unit="code",
               label={"en": "Housing tenure", "zh": "住房产权情况"})
# homes owned: a count; 100 is far above any household and well inside the int8 storage (127 would wrap)
input_variable("n_homes", entity=HOUSEHOLD, dtype="int8", default=1, unit="count", valid=(0, 100),
               label={"en": "Homes owned", "zh": "拥有住房套数"})
input_variable("home_value", entity=HOUSEHOLD, unit="CNY", default=0.0, valid=AMOUNT,  # a market value: ≥ 0
               label={"en": "Market value of homes owned", "zh": "自有住房市值"})
# floor area of all homes owned: ≥ 0; 100,000 m² (100 homes of 1,000 m²) refuses typos such as a value in yuan
input_variable("floor_area", entity=HOUSEHOLD, unit="m2", default=0.0, valid=(0, 100_000),
               label={"en": "Floor area of homes owned", "zh": "自有住房建筑面积"})
input_variable("has_mortgage", entity=HOUSEHOLD, dtype="bool", default=False, unit="bool",
               label={"en": "Paying interest on a first-home loan", "zh": "有首套住房贷款"})

MUNICIPALITIES = np.array([11, 12, 31, 50], dtype=np.int8)


@variable(entity=HOUSEHOLD, dtype="int8", unit="tier", label={"en": "City tier for the housing-rent deduction",
          "zh": "住房租金扣除城市类别"}, valid=(1, 3),  # the three city classes of 国发〔2018〕41号 第二十二条
          reference="个人所得税专项附加扣除暂行办法 (国发〔2018〕41号) 第十七条; 国发〔2023〕13号")
def city_tier(province, area):
    """Default when not given: 1 in the four municipalities, 2 in other urban areas, 3 in rural areas.

    Tier 1 = municipalities, provincial capitals, plan-listed cities; tier 2 = other cities over one million
    registered people; tier 3 = other places. The city is not known from the province alone, so tier 2 is
    assumed for other urban households: give `city_tier` to be exact.
    """
    tier = np.where(area == Area.urban, 2, 3)
    return np.where(np.isin(province, MUNICIPALITIES), 1, tier)


@variable(entity=HOUSEHOLD, dtype="int", unit="persons", label={"en": "Household size", "zh": "家庭户人口数"},
          reference=CENSUS, valid=(1, 50))  # a household has at least one person; 50 as in the household file
def household_size(members):
    """Number of persons living in the household."""
    return members.counts


# -------------------------------------------------------------- person
input_variable("person_id", entity=PERSON, dtype="int64", unit="id", label={"en": "Person identifier", "zh": "个人编号"})
# completed years: 0 to 150 (above any recorded human age, so only mistakes are refused)
input_variable("age", entity=PERSON, dtype="int16", default=30, unit="year", valid=(0, 150),
               label={"en": "Age (completed years on 1 January)", "zh": "年龄(周岁)"})
input_variable("sex", entity=PERSON, dtype="enum", enum=Sex, default=Sex.male, unit="code",
               label={"en": "Sex", "zh": "性别"})
# GB/T 26341-2010 grades 1 (most severe) to 4; 0 = no disability certificate
input_variable("disability_grade", entity=PERSON, dtype="int8", default=0, unit="grade", valid=(0, 4),
               label={"en": "Disability grade (0 none; 1 most severe … 4; 1–2 severe)", "zh": "残疾等级(0无;1-2级为重度)"},
               reference="残疾人残疾分类和分级 GB/T 26341-2010")


@variable(entity=PERSON, dtype="int8", unit="GB/T 2260", label={"en": "Province of hukou registration", "zh": "户籍所在省份"},
          reference="户口登记条例 (1958)")
def hukou_province(province):
    """Where the person's hukou is registered; defaults to the province of residence."""
    return province


@variable(entity=PERSON, dtype="enum", enum=HukouType, unit="code", label={"en": "Hukou type", "zh": "户籍类型"},
          reference="户口登记条例 (1958); 国务院关于进一步推进户籍制度改革的意见 (国发〔2014〕25号)")
def hukou_type(area):
    """Rural or urban hukou; defaults to the area of residence (rural area -> rural hukou)."""
    return area


@variable(entity=PERSON, dtype="enum", enum=Role, unit="code", label={"en": "Relationship to household head",
          "zh": "与户主关系"}, reference=CENSUS)
def role(age, members):
    """Default when not given: the first listed person is the head; an adult within 15 years of the head's age
    listed second is the spouse; anyone 18+ years older than the head is a parent; anyone 40+ years younger a
    grandchild; 15+ years younger a child; else other."""
    n = members.n_persons
    position = np.arange(n) - members.starts[members.index]
    head_age = members.project(members.first(age)).astype(np.int32)
    a = age.astype(np.int32)
    out = np.full(n, Role.other, dtype=np.int8)
    out[a <= head_age - 15] = Role.child
    out[a <= head_age - 40] = Role.grandchild
    out[a >= head_age + 18] = Role.parent
    out[(position == 1) & (a >= 18) & (np.abs(a - head_age) <= 15)] = Role.spouse
    out[position == 0] = Role.head
    return out


@variable(entity=PERSON, dtype="enum", enum=EmploymentStatus, unit="code",
          label={"en": "Employment status", "zh": "就业状况"}, reference="国家统计局 劳动力调查制度")
def employment_status(age, wage_income, self_employment_income, agricultural_income, hukou_type):
    """Default when not given: wages -> employee; business income -> self-employed; farm income -> farmer;
    under 6 -> inactive; 6–17 -> student; 60+ (urban hukou) -> retired; otherwise inactive."""
    out = np.full(len(age), EmploymentStatus.inactive, dtype=np.int8)
    out[(age >= 6) & (age < 18)] = EmploymentStatus.student
    out[(age >= 60) & (hukou_type == HukouType.urban)] = EmploymentStatus.retired
    out[agricultural_income > 0] = EmploymentStatus.farmer
    out[self_employment_income > 0] = EmploymentStatus.self_employed
    out[wage_income > 0] = EmploymentStatus.employee
    return out


@variable(entity=PERSON, dtype="enum", enum=PensionScheme, unit="code",
          label={"en": "Basic pension scheme", "zh": "基本养老保险参保类型"},
          reference="社会保险法 (2010) 第十条、第二十条; 国发〔2014〕8号")
def pension_scheme(age, employment_status, hukou_type):
    """Default when not given: employees, flexible workers and retirees with urban hukou are in the urban
    employee scheme; other adults (16+, not in school) are in the urban–rural resident scheme."""
    employee = (employment_status == EmploymentStatus.employee) | (employment_status == EmploymentStatus.flexible)
    employee |= (employment_status == EmploymentStatus.retired) & (hukou_type == HukouType.urban)
    resident = (age >= 16) & (employment_status != EmploymentStatus.student) & ~employee
    return np.where(employee, PensionScheme.employee, np.where(resident, PensionScheme.resident, PensionScheme.none))
