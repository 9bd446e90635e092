"""gongfu (共富): an open-source policy lab for China's common-prosperity programme.

rules-as-code engine -> law (dated, sourced parameters + formulas) -> synthetic population -> streamed
simulation -> analysis -> CLI, Python API, HTTP API and web page.
"""

__version__ = "0.1.0"
