"""gongfu (共富): an open-source policy lab for China's common-prosperity programme.

rules-as-code engine -> law (dated, sourced parameters + formulas) -> synthetic population -> streamed
simulation -> analysis -> CLI, Python API, HTTP API and web page.

Imports point down the layers (each package's __init__ says what it holds and may import; tests/test_layering.py checks):
engine (no other gongfu package) -> law: rules/ and the parameter YAML (engine) -> reforms (engine, law) ->
population (engine, law, extras) -> analysis (engine only: statistics of arrays) -> run (all of the above) ->
faces: cli, commands, api, report, calculator, household, demo (anything). extras.py (engine) imports the
optional libraries. This module holds only the version and imports nothing.
"""

__version__ = "0.1.0"
