"""Categorical variables, stored as int8 codes, with bilingual labels."""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class LabelledEnum(IntEnum):
    """IntEnum whose members carry an English and Chinese label (`labels` class attribute)."""

    @classmethod
    def label(cls, code: int, lang: str = "en") -> str:
        member = cls(int(code))
        return cls.labels()[member.name][0 if lang == "en" else 1]

    @classmethod
    def labels(cls) -> dict[str, tuple[str, str]]:
        return {m.name: (m.name.replace("_", " "), m.name) for m in cls}

    @classmethod
    def isin(cls, codes, members) -> np.ndarray:
        """True where `codes` (an array of this enum's codes) is one of `members`; a table look-up, so as
        fast as one comparison."""
        table = np.zeros(256, dtype=np.bool_)
        table[[int(m) for m in members]] = True
        return table[np.asarray(codes).astype(np.uint8, copy=False)]

    @classmethod
    def parse(cls, value: str | int) -> LabelledEnum:
        """A member from its code, English name or Chinese label; ValueError listing the choices otherwise."""
        if isinstance(value, int) and not isinstance(value, bool):
            return cls(value)
        text = str(value).strip()
        for m in cls:
            en, zh = cls.labels()[m.name]
            if text.lower() in (m.name, en) or text == zh:
                return m
        if text.isdigit() and int(text) in {m.value for m in cls}:
            return cls(int(text))
        choices = ", ".join(m.name for m in cls)
        raise ValueError(f"{value!r} is not a valid {cls.__name__}; choose one of: {choices}")


def _labels(**pairs: tuple[str, str]):
    def deco(cls):
        cls.labels = classmethod(lambda c: pairs)
        return cls

    return deco


@_labels(rural=("rural", "农村"), urban=("urban", "城镇"))
class Area(LabelledEnum):
    rural = 0
    urban = 1


@_labels(rural=("rural hukou", "农业户籍"), urban=("urban hukou", "非农业户籍"))
class HukouType(LabelledEnum):
    rural = 0
    urban = 1


@_labels(male=("male", "男"), female=("female", "女"))
class Sex(LabelledEnum):
    male = 0
    female = 1


@_labels(head=("head", "户主"), spouse=("spouse", "配偶"), child=("child", "子女"), parent=("parent", "父母"),
         grandchild=("grandchild", "孙子女"), other=("other", "其他"))
class Role(LabelledEnum):
    head = 0
    spouse = 1
    child = 2
    parent = 3
    grandchild = 4
    other = 5


@_labels(inactive=("inactive", "无业/学龄前"), employee=("employee", "受雇"), self_employed=("self-employed", "个体经营"),
         farmer=("farmer", "务农"), flexible=("flexible worker", "灵活就业"), unemployed=("unemployed", "失业"),
         retired=("retired", "退休"), student=("student", "在校学生"))
class EmploymentStatus(LabelledEnum):
    inactive = 0
    employee = 1
    self_employed = 2
    farmer = 3
    flexible = 4
    unemployed = 5
    retired = 6
    student = 7


@_labels(none=("none", "未参保"), employee=("urban employee scheme", "城镇职工基本养老保险"),
         resident=("urban-rural resident scheme", "城乡居民基本养老保险"))
class PensionScheme(LabelledEnum):
    none = 0
    employee = 1
    resident = 2


@_labels(owner=("owner", "自有住房"), renter=("renter", "租房"), other=("other", "其他"))
class Tenure(LabelledEnum):
    owner = 0
    renter = 1
    other = 2
