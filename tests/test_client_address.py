"""The address a visitor's requests are counted under: the connection's own, or, behind a proxy
the settings name, the client that proxy saw; a header from anyone else changes nothing."""

import pytest

from chat.client_address import client_address


def scope(peer, forwarded=None):
    headers = [] if forwarded is None else [(b"x-forwarded-for", forwarded.encode())]
    return {
        "type": "websocket",
        "client": None if peer is None else (peer, 51000),
        "headers": headers,
    }


def test_without_a_trusted_proxy_the_connections_address_counts_whatever_the_header_says():
    assert client_address(scope("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


@pytest.mark.parametrize(
    ("forwarded", "counted"),
    [
        ("198.51.100.7", "198.51.100.7"),
        # What the client wrote itself comes first; the proxy appends what it saw.
        ("6.6.6.6, 198.51.100.7", "198.51.100.7"),
        # Two proxies of ours: the address before them both.
        ("6.6.6.6, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        ("not an address, 198.51.100.7", "198.51.100.7"),
    ],
)
def test_behind_a_trusted_proxy_the_client_it_saw_counts(settings, forwarded, counted):
    settings.STREAMDEMO_TRUSTED_PROXIES = ["10.0.0.0/8"]

    assert client_address(scope("10.0.0.1", forwarded)) == counted


def test_behind_a_trusted_proxy_a_request_without_the_header_counts_as_the_proxy(settings):
    settings.STREAMDEMO_TRUSTED_PROXIES = ["127.0.0.1"]

    assert client_address(scope("127.0.0.1")) == "127.0.0.1"


def test_a_client_of_an_ipv6_network_counts_as_its_whole_64(settings):
    first = client_address(scope("2001:db8:1:2::1"))
    second = client_address(scope("2001:db8:1:2:ffff::9"))

    assert first == second == "2001:db8:1:2::/64"
    assert client_address(scope("2001:db8:1:3::1")) != first
    assert client_address(scope("::ffff:192.0.2.5")) == "192.0.2.5"


def test_a_connection_without_an_address_counts_as_unknown():
    assert client_address(scope(None)) == "unknown"
