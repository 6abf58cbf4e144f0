"""Infrastructure design: the typed Design model, the scale decision table as data, decide(facts,
needs), the commented opsmith.yaml, docs/infrastructure.md with its SVG, and the approval gate."""
