"""Generators: one module per artifact family, each `render(design) -> list[Artifact]`; `apply`
writes them without ever losing a user's edit."""
