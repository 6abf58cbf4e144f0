# The example repositories under repos/ are analysed by the tests, never collected as tests.
collect_ignore = ["repos"]
