"""Structural reforms in Python: modules named under `rules:` in a reform file.

A module here (or anywhere importable) declares variables with `@variable` — they are added to the system, or
replace the baseline variable of the same name — and/or a `FORMULAS = {variable_name: function}` dict whose
functions replace the formulas of existing variables (metadata kept). New parameters the formulas read go under
`new_parameters:` in the reform file. Modules must not live under `gongfu.rules` (that package is the baseline).

May import: gongfu.engine and the law (gongfu.rules), like gongfu.reforms.
"""
