"""OpenFisca entities of the benchmark port: Person and Household (one role, `member`)."""

from openfisca_core.entities import build_entity

Household = build_entity(
    key="household",
    plural="households",
    label="Household (家庭户)",
    roles=[{"key": "member", "plural": "members", "label": "Member"}],
)

Person = build_entity(key="person", plural="persons", label="Person (个人)", is_person=True)

entities = [Household, Person]
