"""Gate 3: whether every critical service is watched (`opsmith verify monitoring`).

The repository's monitoring files (scrape configurations, rule files, Alertmanager routing,
Grafana dashboards, prometheus-operator objects), hand-written or generated, are read once
(`sources`), the services come from the design or the deployment files (`services`), and each
check of `checks` judges one service against them, with the file and line of every piece of
evidence and, for a gap, what to add and where (`coverage`).
"""
