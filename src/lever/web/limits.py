"""What one request to the page may ask for: every bound in one place, set by ``lever serve``."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Bounds on every request, so that no request can exhaust the machine.

    agents : agents in a field (all populations; britain-1933 has about 44,000).
    steps : steps in one run.
    runs : runs in one weigh (strategies x samples x replications; each also runs its twin).
    upload : bytes in one request body (a scenario, a TOML file).
    jobs : runs and weighs going at once (each is one process).
    """

    agents: int = 200_000
    steps: int = 2_000
    runs: int = 500
    upload: int = 1 << 20
    jobs: int = 2


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine only (127.0.0.0/8, ::1 or ``localhost``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class BindRefused(ValueError):
    """A bind the page refuses (said in one line)."""


def check_bind(host: str, token: str | None) -> None:
    """Refuse to listen beyond this machine without a token: anyone who can reach the
    address could otherwise run work on it and read its store."""
    if not is_loopback(host) and not token:
        raise BindRefused(f"--host: {host} is reachable from other machines, so the page needs a --token "
                          "(16 characters or more, e.g. from: python -c 'import secrets; print(secrets.token_urlsafe())'); "
                          "or use --host 127.0.0.1")  # fmt: skip
    if token is not None and len(token) < 16:
        raise BindRefused("--token: at least 16 characters, so that it cannot be guessed")
    if token is not None and not (token.isascii() and token.isprintable() and " " not in token):
        raise BindRefused("--token: printable ASCII letters, digits and signs only, no spaces (it travels in a "
                          "header and in the address)")  # fmt: skip
