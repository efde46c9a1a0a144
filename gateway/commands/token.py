"""`vemtas token`: print a development access token signed with the committed development key.

Offline: the token is signed in-process with ``mocks/identity_keys/`` (the keys the mock identity
provider publishes), for the issuer ``VEMTAS_OIDC_ISSUER``. ``--ttl`` may be negative and
``--audience`` may differ from the gateway's, to see how the gateway treats bad tokens.
"""

from __future__ import annotations

import argparse
import re
import sys

ROLES = ("citizen", "operator", "caseworker", "auditor", "service")
_FIN = re.compile(r"^[0-9A-HJ-NP-Z]{7}$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--role", required=True, choices=ROLES, help="the token's one role")
    parser.add_argument("--fin", help="the citizen's FIN (required for --role citizen)")
    parser.add_argument(
        "--district",
        action="append",
        default=[],
        dest="districts",
        metavar="D",
        help="a caseworker's district (repeatable; at least one for --role caseworker)",
    )
    parser.add_argument(
        "--ttl", type=int, default=3600, help="seconds until expiry (negative: already expired)"
    )
    parser.add_argument("--audience", help="the aud claim (default: VEMTAS_OIDC_AUDIENCE)")
    parser.add_argument("--sub", help="the subject (default: derived from the role and FIN)")
    parser.add_argument("--alg", choices=("RS256", "ES256"), default="RS256")
    parser.add_argument(
        "--scope",
        action="append",
        default=[],
        dest="scopes",
        metavar="SCOPE",
        help="a service client's scope, e.g. households:read (repeatable)",
    )
    parser.add_argument("--institution", help="an operator's help desk, post office or kiosk")


def _problem(args: argparse.Namespace) -> str | None:
    if args.fin is not None and not _FIN.fullmatch(args.fin):
        return "--fin must be a FIN: 7 characters of 0-9 and A-Z without I and O"
    if args.role == "citizen" and args.fin is None:
        return "--role citizen needs --fin"
    districts = [d.strip() for d in args.districts]
    if args.role == "caseworker" and not any(districts):
        return "--role caseworker needs at least one --district"
    if any(not d for d in districts):
        return "--district must not be empty"
    return None


def run(args: argparse.Namespace) -> int:
    from gateway.settings import Profile, Settings, SettingsError
    from mocks.identity import issue_token

    problem = _problem(args)
    if problem is not None:
        print(f"vemtas token: {problem}", file=sys.stderr)
        return 2
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"vemtas token: {exc}", file=sys.stderr)
        return 2
    if settings.profile is Profile.PROD:
        print("vemtas token: development tokens do not exist in the prod profile", file=sys.stderr)
        return 2
    token = issue_token(
        issuer=settings.oidc_issuer,
        role=args.role,
        sub=args.sub,
        fin=args.fin,
        districts=[d.strip() for d in args.districts],
        ttl=args.ttl,
        audience=args.audience if args.audience is not None else settings.oidc_audience,
        alg=args.alg,
        scopes=args.scopes,
        institution=args.institution,
    )
    print(token)
    return 0
