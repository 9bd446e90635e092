"""The tax-benefit system: every variable of the law plus the parameter tree, checked to fit together."""

from __future__ import annotations

import difflib
import functools
import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .errors import SystemLoadError, where
from .parameters import ParameterTree
from .variables import REGISTRY, Variable

if TYPE_CHECKING:
    from .simulation import Simulation

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_PARAMETERS = PACKAGE_DIR / "parameters"
DEFAULT_RULES = "gongfu.rules"


class TaxBenefitSystem:
    """Variables (by name) and parameters; dependencies checked when built (file and line in every error)."""

    def __init__(self, variables: Mapping[str, Variable], parameters: ParameterTree, name: str = "baseline"):
        self.variables: dict[str, Variable] = dict(variables)
        self.parameters = parameters
        self.name = name
        self._check()
        self.role_members = self._role_members()
        self.deps = {name: self._deps(var) for name, var in self.variables.items()}
        self.order = self._topological_order()
        self._dependents: dict[str, set[str]] | None = None

    # -- checks
    def _check(self) -> None:
        for var in self.variables.values():
            for _arg, (kind, target) in var.arguments:
                if kind == "variable" and target not in self.variables:
                    close = difflib.get_close_matches(target, list(self.variables), n=3)
                    hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
                    raise SystemLoadError(
                        f"{where(var.file, var.line)}formula of '{var.name}' reads unknown variable '{target}'{hint}"
                    )
                if kind == "role" and target not in ("market", "tax", "contribution", "benefit", "charity"):
                    raise SystemLoadError(f"{where(var.file, var.line)}formula of '{var.name}': unknown role '{target}'")
                if kind == "parameter" and target not in self.parameters:
                    raise SystemLoadError(
                        f"{where(var.file, var.line)}formula of '{var.name}' reads unknown parameter "
                        f"'{target}'{self.parameters.suggest(target)}"
                    )

    def _role_members(self) -> dict[str, tuple[str, ...]]:
        """Variables of each role (what a `ByRole` argument sums), in declaration order."""
        out: dict[str, list[str]] = {}
        for var in self.variables.values():
            if var.role:
                out.setdefault(var.role, []).append(var.name)
        return {role: tuple(names) for role, names in out.items()}

    def _deps(self, var: Variable) -> tuple[str, ...]:
        """Every variable the formula reads, role arguments expanded."""
        deps: list[str] = []
        for _arg, (kind, target) in var.arguments:
            if kind == "variable":
                deps.append(target)
            elif kind == "role":
                deps.extend(n for n in self.role_members.get(target, ()) if n != var.name)
        return tuple(deps)

    def _topological_order(self) -> list[str]:
        state: dict[str, int] = {}
        order: list[str] = []

        def visit(name: str, stack: list[str]) -> None:
            mark = state.get(name, 0)
            if mark == 2:
                return
            if mark == 1:
                cycle = stack[stack.index(name):] + [name]
                var = self.variables[name]
                raise SystemLoadError(f"{where(var.file, var.line)}dependency cycle: {' -> '.join(cycle)}")
            state[name] = 1
            stack.append(name)
            for dep in self.deps[name]:
                visit(dep, stack)
            stack.pop()
            state[name] = 2
            order.append(name)

        for name in self.variables:
            visit(name, [])
        return order

    # -- questions about the graph
    def dependents(self, parameters: Iterable[str] = (), variables: Iterable[str] = ()) -> set[str]:
        """Every variable whose value can change when these parameters or variables change.

        A parameter path matches a formula's parameter if either is a prefix of the other
        (`tax.iit` touches a formula reading `tax.iit.basic_deduction`, and vice versa).
        """
        params = list(parameters)
        seeds = set(variables)
        for var in self.variables.values():
            for path in var.parameter_deps:
                if any(path == p or path.startswith(p + ".") or p.startswith(path + ".") for p in params):
                    seeds.add(var.name)
        if self._dependents is None:
            rev: dict[str, set[str]] = {n: set() for n in self.variables}
            for name, deps in self.deps.items():
                for dep in deps:
                    rev[dep].add(name)
            self._dependents = rev
        out, todo = set(), list(seeds)
        while todo:
            name = todo.pop()
            if name in out:
                continue
            out.add(name)
            todo.extend(self._dependents.get(name, ()))
        return out

    def variables_with_role(self, *roles: str) -> list[Variable]:
        return [v for v in self.variables.values() if v.role in roles]

    def variable(self, name: str) -> Variable:
        try:
            return self.variables[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self.variables), n=3)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            raise SystemLoadError(f"unknown variable '{name}'{hint}") from None

    # -- derived systems
    def with_parameters(self, parameters: ParameterTree, name: str | None = None) -> TaxBenefitSystem:
        return TaxBenefitSystem(self.variables, parameters, name or self.name)

    def with_formulas(self, formulas: Mapping[str, Callable[..., Any] | Variable],
                      name: str | None = None) -> TaxBenefitSystem:
        """Replace formulas of existing variables (function) or add new variables (Variable)."""
        variables = dict(self.variables)
        for var_name, new in formulas.items():
            if isinstance(new, Variable):
                variables[var_name] = new
            else:
                variables[var_name] = self.variable(var_name).with_formula(new)
        return TaxBenefitSystem(variables, self.parameters, name or self.name)

    def with_reform(self, reform: Any) -> TaxBenefitSystem:
        """The system as changed by a reform (anything with `.apply(system)`, e.g. `gongfu.reforms.Reform`)."""
        return reform.apply(self)

    def simulation(self, households: Mapping[str, Any], persons: Mapping[str, Any], year: int,
                   **kwargs: Any) -> Simulation:
        from .simulation import Simulation

        return Simulation(self, households=households, persons=persons, year=year, **kwargs)


def _import_all(package: str | ModuleType) -> list[ModuleType]:
    pkg = importlib.import_module(package) if isinstance(package, str) else package
    modules = [pkg]
    if hasattr(pkg, "__path__"):
        for info in sorted(pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."), key=lambda i: i.name):
            modules.append(importlib.import_module(info.name))
    return modules


def build_system(parameters_dir: str | Path | list[str | Path],
                 rules: Iterable[str | ModuleType] | str | ModuleType, name: str = "baseline") -> TaxBenefitSystem:
    """A system from parameter directories and rules packages/modules (every submodule is imported)."""
    rules = [rules] if isinstance(rules, str | ModuleType) else list(rules)
    variables: dict[str, Variable] = {}
    for package in rules:
        for module in _import_all(package):
            for var in REGISTRY.get(module.__name__, ()):
                if var.name in variables and variables[var.name] is not var:
                    other = variables[var.name]
                    raise SystemLoadError(
                        f"{where(var.file, var.line)}variable '{var.name}' is already defined at "
                        f"{where(other.file, other.line).rstrip(': ')}"
                    )
                variables[var.name] = var
    return TaxBenefitSystem(variables, ParameterTree.load(parameters_dir), name)


@functools.cache
def load_system() -> TaxBenefitSystem:
    """China's tax and transfer system as shipped with gongfu (cached: build it once per process)."""
    return build_system(DEFAULT_PARAMETERS, DEFAULT_RULES)
