"""``publish --user/--password``: HTTP Basic auth once the store asks, never in any message.

The store is a tiny proxy on 127.0.0.1 that checks ``Authorization`` and relays to a real
``oxigraph serve`` (which has no auth of its own). HTTP Digest, on Virtuoso's authenticated
endpoints: tests/remote/test_virtuoso_accounts.py.
"""

from __future__ import annotations

import base64
import logging

import pytest
from click.testing import CliRunner

from converter.cli import exit_code_of, publish_command
from converter.publish import PublishError, PublishInputError, publish
from tests.remote.conftest import AuthProxy
from tests.remote.helpers import graph_counts, registered
from tests.support.fakedist import B

pytestmark = pytest.mark.remote
USER, PASSWORD = "publisher", "s3cret-Pa55"
WRONG = "wr0ng-Pa55word"
GRAPHS = {f"{B}graph/catalog", f"{B}graph/fy2023", f"{B}graph/ontology"}


def secrets(password: str) -> list[str]:
    token = base64.b64encode(f"{USER}:{password}".encode()).decode()
    return [password, token, f"{USER}:{password}"]


def run(proxy: AuthProxy, dist, **auth: str):  # type: ignore[no-untyped-def]
    return publish(
        dist, store_url=proxy.base_url + "/store", query_url=proxy.base_url + "/query", **auth
    )


def test_every_request_carries_the_credentials_once_asked(oxigraph, auth_proxy, fake_dist) -> None:
    report = run(auth_proxy, fake_dist, user=USER, password=PASSWORD)

    assert set(report.graphs) == GRAPHS
    assert registered(oxigraph.query_url) == GRAPHS
    methods = {method for method, _ in auth_proxy.seen}
    assert methods == {"POST", "PUT"}  # queries and updates (POST), Graph Store uploads (PUT)
    (_, first), *rest = auth_proxy.seen
    assert first is None  # the password waits for the store's challenge (Basic here) …
    assert rest and all(header == auth_proxy.expected for _, header in rest)  # … then up front


@pytest.mark.parametrize("password", [None, WRONG])
def test_refused_credentials_are_never_repeated(
    oxigraph, auth_proxy, fake_dist, caplog, password
) -> None:
    caplog.set_level(logging.DEBUG)
    auth = {} if password is None else {"user": USER, "password": password}
    with pytest.raises(PublishError, match="answered HTTP 401") as err:
        run(auth_proxy, fake_dist, **auth)

    assert exit_code_of(err.value) == 4
    assert graph_counts(oxigraph.query_url) == {}
    if password is not None:
        assert "bad credentials: Basic ***" in str(err.value)  # the store echoed them; we did not
        for secret in secrets(password):
            assert secret not in str(err.value)
            assert secret not in caplog.text


def test_cli_reads_credentials_from_the_environment(oxigraph, auth_proxy, fake_dist) -> None:
    env = {"DX_STORE_USER": USER, "DX_STORE_PASSWORD": PASSWORD}
    result = CliRunner().invoke(
        publish_command, [str(fake_dist), "--store", auth_proxy.base_url], env=env
    )
    assert result.exit_code == 0, result.output
    assert "published 3 graph(s)" in result.output
    assert all(secret not in result.output for secret in secrets(PASSWORD))


def test_cli_never_prints_a_refused_password(auth_proxy, fake_dist) -> None:
    args = [str(fake_dist), "--store", auth_proxy.base_url, "--user", USER, "--password", WRONG]
    result = CliRunner().invoke(publish_command, args)
    assert result.exit_code == 4
    assert "HTTP 401" in result.output
    assert all(secret not in result.output for secret in secrets(WRONG))


@pytest.mark.parametrize(
    "auth", [{"user": USER}, {"password": PASSWORD}, {"user": "a:b", "password": PASSWORD}]
)
def test_incomplete_credentials_are_an_input_error(auth_proxy, fake_dist, auth) -> None:
    with pytest.raises(PublishInputError) as err:
        run(auth_proxy, fake_dist, **auth)
    assert exit_code_of(err.value) == 2
    assert PASSWORD not in str(err.value)
    assert auth_proxy.seen == []  # the store was not touched
