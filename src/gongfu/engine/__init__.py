"""gongfu's rules-as-code engine: entities, dated parameters, variables, systems, simulations, traces.

May import: no other gongfu package (the bottom of the house; numpy and pyyaml only).
"""

from .entities import HOUSEHOLD, PERSON, Entity, Members, Rows
from .errors import GongfuError, InputError, ParameterError, ReformError, SystemLoadError
from .parameters import ParameterLeaf, ParameterTree, Scale, Table
from .simulation import Simulation
from .system import TaxBenefitSystem, build_system, load_system
from .variables import ByRole, P, Variable, input_variable, variable

__all__ = [
    "HOUSEHOLD", "PERSON", "Entity", "Members", "Rows", "GongfuError", "InputError", "ParameterError", "ReformError",
    "SystemLoadError", "ParameterLeaf", "ParameterTree", "Scale", "Table", "Simulation", "TaxBenefitSystem",
    "build_system", "load_system", "ByRole", "P", "Variable", "input_variable", "variable",
]
