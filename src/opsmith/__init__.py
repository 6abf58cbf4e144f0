"""opsmith: a senior DevOps engineer's practice in one tool."""

__version__ = "0.1.0"
