"""Parsers: one module per artifact family, each turning a SourceFile into a typed document."""
