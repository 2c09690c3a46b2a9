"""Who a request is counted against: the peer, or behind a trusted proxy the forwarded client."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from aiohttp.test_utils import make_mocked_request

from offertracker_http.settings import Settings
from offertracker_http.throttle import TooManyAttempts, client_address, open_throttle

PROXIES = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1"))


def counted_as(peer: str, forwarded: str | None = None, trusted=PROXIES) -> str:
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    request = make_mocked_request("POST", "/api/v1/auth/login", headers=headers).clone(remote=peer)
    return client_address(request, trusted)


def test_an_untrusted_peer_is_the_client_whatever_it_forwards() -> None:
    assert counted_as("192.0.2.10", "203.0.113.5") == "192.0.2.10"


def test_behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() -> None:
    assert counted_as("10.0.0.2", "198.51.100.1, 203.0.113.5, 10.1.1.1") == "203.0.113.5"


def test_a_trusted_proxy_without_the_header_is_counted_itself() -> None:
    assert counted_as("10.0.0.2") == "10.0.0.2"


def test_a_chain_of_trusted_proxies_only_counts_as_its_left_most_hop() -> None:
    assert counted_as("10.0.0.2", "10.3.3.3, 10.1.1.1") == "10.3.3.3"


def test_ipv6_clients_are_counted_per_64_network() -> None:
    assert counted_as("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert counted_as("::1", "2001:db8:1:2:bbbb::7") == "2001:db8:1:2::/64"


def test_an_ipv4_client_seen_through_a_dual_stack_socket_is_its_ipv4_address() -> None:
    assert counted_as("::ffff:192.0.2.10") == "192.0.2.10"
    assert counted_as("::ffff:10.0.0.2", "203.0.113.5") == "203.0.113.5"


def test_a_forwarded_hop_that_is_not_an_address_counts_as_written() -> None:
    assert counted_as("10.0.0.2", "203.0.113.5, unknown") == "unknown"


def test_the_wait_is_at_least_one_second() -> None:
    assert TooManyAttempts(0).retry_after == 1
    assert TooManyAttempts(0).detail == "Too many attempts. Try again in 1 seconds."


async def test_a_redis_that_does_not_answer_stops_the_start_up(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, database_url="sqlite://", jwt_secret="x" * 32, redis_url="redis://127.0.0.1:1/0"
    )
    with pytest.raises(RuntimeError, match=r"^OFFERTRACKER_REDIS_URL: Redis did not answer \(PING failed\)$"):
        async with open_throttle(settings):
            pass
