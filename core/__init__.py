"""The bottom layer: what every other package needs and nothing else: errors, the home and
its settings, the database and its migrations, cycles, tabular reading, YAML, labels,
the competency model. Imports no other package of the project (docs/architecture.md)."""
