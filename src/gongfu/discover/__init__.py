"""`gongfu discover`: find, in a civil-affairs registry, the households entitled to assistance they do not
receive, those receiving without entitlement under the registry's data (for review), and those just above the
dibao line (to monitor) -- with the legal test of every case (issue 13; docs/discover.md).

Modules: registry (reading, mapping, privacy), households (rows -> households, rejected rows, assumed inputs),
statuses (entitlements, statuses, reasons), summary (mergeable counts and yuan), report (HTML), run (streaming,
partitions, workers, atomic output), example (the synthetic example registry).

May import: anything a face may (it is a face's work: the engine, the law, population.importer, processes,
workflow for the reform resolver); nothing imports it but discover_cli.py.
"""
