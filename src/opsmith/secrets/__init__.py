"""Secrets: what one looks like (`detect`) and how text that may hold one is shown (`masking`).
Below every layer: rules, analysis, generators and reports all use it."""
