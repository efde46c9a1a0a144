"""`vemtas mocks serve`: the arguments, and the app it builds from a world file."""

from __future__ import annotations

import argparse
from pathlib import Path

import httpx
import pytest

from gateway.commands import mocks_serve

EXAMPLE = Path(__file__).parent / "worlds" / "example.yaml"


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    mocks_serve.add_arguments(parser)
    return parser.parse_args(argv)


def test_defaults_to_loopback_port_8100_development_mode_and_a_generated_world() -> None:
    args = parse()

    assert (args.host, args.port, args.dev) == ("127.0.0.1", 8100, True)
    assert (args.world, args.households, args.seed) == (None, 1000, 1)
    assert mocks_serve.base_url(args) == "http://127.0.0.1:8100"


def test_a_world_file_and_a_generated_size_exclude_each_other() -> None:
    with pytest.raises(SystemExit):
        parse("--world", "w.yaml", "--households", "5")


def test_a_server_listening_on_every_interface_names_loopback_as_its_base() -> None:
    assert (
        mocks_serve.base_url(parse("--host", "0.0.0.0", "--port", "9000"))
        == "http://127.0.0.1:9000"
    )


async def test_serves_the_world_file_given_with_wsdl_addresses_at_the_base_url() -> None:
    app = mocks_serve.build_app(parse("--world", str(EXAMPLE), "--base-url", "http://mocks:8100/"))

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mocks:8100") as client:
        wsdl = await client.get("/property?wsdl")
        controls = await client.get("/_admin/world")

    assert b'location="http://mocks:8100/property"' in wsdl.content
    assert controls.json() == {"households": len(app.state.mock.world.households)}


async def test_leaves_out_the_test_controls_with_no_dev() -> None:
    app = mocks_serve.build_app(parse("--world", str(EXAMPLE), "--no-dev"))

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mocks") as client:
        assert (await client.get("/_admin/calls")).status_code == 404


async def test_mounts_the_identity_provider_with_its_issuer_under_the_base_url() -> None:
    app = mocks_serve.build_app(parse("--world", str(EXAMPLE), "--port", "8123"))

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8123") as client:
        discovery = await client.get("/identity/.well-known/openid-configuration")

    assert discovery.json()["issuer"] == "http://127.0.0.1:8123/identity"
