"""Issue 26, finding 1, defence in depth: Virtuoso's query account never writes, and publishing
goes through the authenticated endpoints as a separate account, with HTTP Digest.

The Virtuoso of tests/support/virtuoso_server.py is set up as the README says: the public
``/sparql`` runs as ``SPARQL`` with no update rights, and the user ``dxpublish`` (granted
``SPARQL_UPDATE``) publishes through ``/sparql-auth`` and ``/sparql-graph-crud-auth``.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from converter.cli import publish_command
from converter.contract import REGISTER_GRAPH
from converter.publish import PublishError, publish
from tests.remote.conftest import TripleStore
from tests.remote.helpers import graph_counts, raw_select, registered
from tests.support.fakedist import B
from tests.support.virtuoso_server import PUBLISHER, VirtuosoServer

pytestmark = [pytest.mark.remote, pytest.mark.virtuoso]
GRAPHS = {f"{B}graph/catalog", f"{B}graph/fy2023", f"{B}graph/ontology"}
USER, PASSWORD = PUBLISHER
INSERT = "INSERT DATA { GRAPH <urn:pwned> { <urn:a> <urn:b> <urn:c> } }"


def public_update(virtuoso: VirtuosoServer, text: str) -> None:
    """SPARQL Update on the public ``/sparql``, as anyone who reaches Virtuoso may send it."""
    request = urllib.request.Request(
        virtuoso.query_url, data=urllib.parse.urlencode({"update": text}).encode()
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def public_put(virtuoso: VirtuosoServer, graph: str, path: Path) -> None:
    request = urllib.request.Request(
        f"{virtuoso.public_store_url}?{urllib.parse.urlencode({'graph': graph})}",
        data=path.read_bytes(),
        method="PUT",
        headers={"Content-Type": "text/turtle"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def test_the_query_account_cannot_write_even_past_our_guard(
    virtuoso: VirtuosoServer, fake_dist: Path
) -> None:
    TripleStore("virtuoso", virtuoso).publish(fake_dist)
    register, graphs = registered(virtuoso.query_url), set(virtuoso.graphs())
    writes = [
        lambda: raw_select(virtuoso.query_url, f"SELECT (bif:exec('SPARQL {INSERT}') AS ?x) {{}}"),
        lambda: raw_select(
            virtuoso.query_url,
            f"SELECT (bif:exec('SPARQL CLEAR GRAPH <{REGISTER_GRAPH}>') AS ?x) {{}}",
        ),
        lambda: public_update(virtuoso, INSERT),
        lambda: public_update(virtuoso, f"DROP SILENT GRAPH <{REGISTER_GRAPH}>"),
        lambda: public_put(virtuoso, "urn:pwned", fake_dist / "graphs" / "catalog.nt"),
    ]
    for write in writes:
        with pytest.raises(urllib.error.HTTPError) as refused:
            write()
        refused.value.close()
    assert set(virtuoso.graphs()) == graphs  # no <urn:pwned>
    assert registered(virtuoso.query_url) == register


def test_the_publisher_account_publishes_with_digest(
    virtuoso: VirtuosoServer, fake_dist: Path
) -> None:
    report = publish(
        fake_dist,
        store_url=f"{virtuoso.base_url}/sparql-graph-crud-auth",
        query_url=f"{virtuoso.base_url}/sparql-auth",
        user=USER,
        password=PASSWORD,
        timeout=10,
    )
    assert set(report.graphs) == GRAPHS
    assert registered(virtuoso.query_url) == GRAPHS  # read back as the public account


@pytest.mark.parametrize("password", [None, "wr0ng-Pa55word"])
def test_publishing_without_the_publisher_credentials_is_refused(
    virtuoso: VirtuosoServer, fake_dist: Path, password: str | None
) -> None:
    auth = {} if password is None else {"user": USER, "password": password}
    with pytest.raises(PublishError, match="HTTP 401") as refused:
        publish(
            fake_dist,
            store_url=virtuoso.store_url,
            query_url=virtuoso.auth_url,
            timeout=10,
            **auth,  # type: ignore[arg-type]
        )
    assert password is None or password not in str(refused.value)
    assert graph_counts(virtuoso) == {}
    assert registered(virtuoso.query_url) == set()


def test_the_public_endpoints_cannot_publish(virtuoso: VirtuosoServer, fake_dist: Path) -> None:
    with pytest.raises(PublishError):
        publish(fake_dist, store_url=virtuoso.public_store_url, query_url=virtuoso.query_url)
    assert graph_counts(virtuoso) == {}
    assert registered(virtuoso.query_url) == set()


def test_cli_publishes_as_the_publisher_with_the_password_from_the_environment(
    virtuoso: VirtuosoServer, fake_dist: Path
) -> None:
    result = CliRunner().invoke(
        publish_command,
        [str(fake_dist), "--store", virtuoso.store_url, "--user", USER],
        env={"DX_STORE_PASSWORD": PASSWORD},
    )
    assert result.exit_code == 0, result.output
    assert "published 3 graph(s)" in result.output
    assert PASSWORD not in result.output
    assert registered(virtuoso.query_url) == GRAPHS


def _readme_revoke() -> str:
    """The README's statement that takes updates back from the query account."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    found = re.search(r"^REVOKE SPARQL_UPDATE FROM \"SPARQL\";$", readme, re.MULTILINE)
    assert found, "the README's Virtuoso set-up lost its REVOKE"
    return found.group(0)


def test_the_readmes_revoke_takes_back_an_earlier_grant(virtuoso: VirtuosoServer) -> None:
    """A store set up by the README of old (``GRANT SPARQL_UPDATE TO "SPARQL"``) lets anyone
    write through the public ``/sparql``; the README's REVOKE, run as written, stops it."""
    virtuoso.sql('GRANT SPARQL_UPDATE TO "SPARQL";')
    try:
        public_update(virtuoso, INSERT)  # the old set-up: anyone writes
        assert "urn:pwned" in virtuoso.graphs()
    finally:
        virtuoso.sql(_readme_revoke())
    virtuoso.sql("SPARQL CLEAR GRAPH <urn:pwned>;")
    with pytest.raises(urllib.error.HTTPError) as refused:
        public_update(virtuoso, INSERT)
    refused.value.close()
    assert "urn:pwned" not in virtuoso.graphs()
