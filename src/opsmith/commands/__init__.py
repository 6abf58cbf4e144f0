"""One module per CLI verb; each exposes a plain function that returns the exit code."""
