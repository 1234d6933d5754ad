"""publish's HTTP authentication (converter/httpauth.py): challenges as stores send them, the
RFC 7616 examples, and when a request is worth another try. The real thing: Virtuoso's Digest
endpoints in tests/remote/test_virtuoso_accounts.py, a Basic store in test_publish_auth.py."""

from __future__ import annotations

import pytest

from converter.httpauth import Authenticator, Challenge, digest_authorization, parse_challenges

#: What Virtuoso 7's /sparql-auth answers (tests/remote/test_virtuoso_accounts.py).
VIRTUOSO = (
    'Digest realm="SPARQL", domain="/sparql-auth", nonce="7fb6535336a9f5e28c60532fa85adf0c", '
    'opaque="5ebe2294ecd0e0f08eab7690d2a6ee69", stale="false", qop="auth", algorithm="MD5"'
)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            [VIRTUOSO],
            [
                Challenge(
                    "digest",
                    {
                        "realm": "SPARQL",
                        "domain": "/sparql-auth",
                        "nonce": "7fb6535336a9f5e28c60532fa85adf0c",
                        "opaque": "5ebe2294ecd0e0f08eab7690d2a6ee69",
                        "stale": "false",
                        "qop": "auth",
                        "algorithm": "MD5",
                    },
                )
            ],
        ),
        (['Basic realm="store"'], [Challenge("basic", {"realm": "store"})]),
        (
            ['Basic realm="a, b", Digest realm="x\\"y", nonce=abc, qop="auth,auth-int"'],
            [
                Challenge("basic", {"realm": "a, b"}),
                Challenge("digest", {"realm": 'x"y', "nonce": "abc", "qop": "auth,auth-int"}),
            ],
        ),
        (
            ['Bearer realm="x"', 'Basic realm="y"'],
            [Challenge("bearer", {"realm": "x"}), Challenge("basic", {"realm": "y"})],
        ),
        ([], []),
    ],
)
def test_challenges_are_read_as_stores_send_them(headers, expected) -> None:  # type: ignore[no-untyped-def]
    assert parse_challenges(headers) == expected


#: RFC 7616 §3.9.1: the same request answered with MD5 and with SHA-256.
RFC = {
    "realm": "http-auth@example.org",
    "qop": "auth, auth-int",
    "nonce": "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
    "opaque": "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS",
}
CNONCE = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"


@pytest.mark.parametrize(
    ("algorithm", "response"),
    [
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ],
)
def test_digest_answers_the_rfc_7616_examples(algorithm: str, response: str) -> None:
    header = digest_authorization(
        {**RFC, "algorithm": algorithm},
        "Mufasa",
        "Circle of Life",
        "GET",
        "http://www.example.org/dir/index.html",
        count=1,
        cnonce=CNONCE,
    )
    assert f'response="{response}"' in header
    assert 'uri="/dir/index.html"' in header
    assert "qop=auth, nc=00000001" in header
    assert f'opaque="{RFC["opaque"]}"' in header
    assert "Circle of Life" not in header


def test_nothing_is_sent_before_the_store_asks_then_everything_up_front() -> None:
    auth = Authenticator("dxpublish", "pw")
    assert auth.header("POST", "http://h/sparql-auth") is None
    assert auth.challenged([VIRTUOSO], sent=None)
    first = auth.header("POST", "http://h/sparql-auth?x=1")
    second = auth.header("PUT", "http://h/sparql-graph-crud-auth?graph=urn%3Ag")
    assert first is not None and second is not None
    assert (
        first.startswith("Digest ") and "nc=00000001" in first and 'uri="/sparql-auth?x=1"' in first
    )
    assert "nc=00000002" in second and "pw" not in first + second


def test_a_refused_password_is_not_sent_again_but_an_expired_nonce_is() -> None:
    auth = Authenticator("dxpublish", "pw")
    auth.challenged([VIRTUOSO], sent=None)
    sent = auth.header("POST", "http://h/sparql-auth")
    assert not auth.challenged([VIRTUOSO], sent=sent)  # the same nonce: the password is wrong
    renewed = VIRTUOSO.replace("7fb6535336a9f5e28c60532fa85adf0c", "0123456789abcdef")
    assert auth.challenged([renewed], sent=sent)  # a new nonce: one more try
    assert 'nonce="0123456789abcdef"' in (auth.header("POST", "http://h/sparql-auth") or "")


def test_digest_is_preferred_and_basic_refused_once_is_final() -> None:
    auth = Authenticator("u", "p")
    assert auth.challenged(['Basic realm="x"', VIRTUOSO], sent=None)
    assert (auth.header("GET", "http://h/") or "").startswith("Digest ")
    basic = Authenticator("u", "p")
    assert basic.challenged(['Basic realm="x"'], sent=None)
    sent = basic.header("GET", "http://h/")
    assert sent == "Basic dTpw"
    assert not basic.challenged(['Basic realm="x"'], sent=sent)


@pytest.mark.parametrize(
    "challenge",
    [
        'Digest realm="x", nonce="n", qop="auth-int"',
        'Digest realm="x", nonce="n", algorithm="SHA-512-256"',
        'Digest realm="x"',
        'Bearer realm="x"',
    ],
)
def test_what_cannot_be_answered_is_not_tried(challenge: str) -> None:
    auth = Authenticator("u", "p")
    assert not auth.challenged([challenge], sent=None)
    assert auth.header("GET", "http://h/") is None
