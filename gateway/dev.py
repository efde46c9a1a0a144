"""Development conveniences for `vemtas serve --with-mocks`: the mock world and one token per
role, chosen from that world so that the README's example query answers."""

from __future__ import annotations

import argparse

from gateway.settings import Settings
from mocks.world import Relation, World


def build_mock_world(args: argparse.Namespace) -> World:
    if args.world:
        from mocks.world_io import load_world

        return load_world(args.world)
    from mocks.generate import generate_world

    return generate_world(args.households, args.seed)


def example_member(world: World) -> tuple[str, str]:
    """(FIN of the first family head, that family's district)."""
    for household in world.households:
        for member in household.members:
            if member.relation is Relation.HEAD:
                return member.fin, household.district
    first = world.households[0]
    return first.members[0].fin, first.district


def development_tokens(world: World, settings: Settings, ttl: int = 12 * 3600) -> dict[str, str]:
    from mocks.identity import issue_token

    fin, district = example_member(world)
    issuer = settings.oidc_issuer
    aud = settings.oidc_audience
    return {
        f"citizen (fin {fin})": issue_token(
            issuer=issuer, role="citizen", sub=f"citizen-{fin}", fin=fin, ttl=ttl, audience=aud
        ),
        f"caseworker (district {district})": issue_token(
            issuer=issuer,
            role="caseworker",
            sub="caseworker-1",
            districts=(district,),
            ttl=ttl,
            audience=aud,
        ),
        "operator": issue_token(
            issuer=issuer, role="operator", sub="operator-1", ttl=ttl, audience=aud
        ),
        "auditor": issue_token(
            issuer=issuer, role="auditor", sub="auditor-1", ttl=ttl, audience=aud
        ),
    }
