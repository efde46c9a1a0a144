"""The mock agencies, one module per agency key (agencies.md, catalog).

Each module exposes ``KEY`` and ``routes(state) -> list[BaseRoute]`` (the agency's routes with
its ``/<key>`` prefix) and answers only from its own view of the world: the fields that the real
holder keeps (agencies.md, "Which agency serves which field").
"""
