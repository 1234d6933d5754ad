"""Publishing into real stores (``oxigraph serve``, Virtuoso) with the Graph Store Protocol +
SPARQL Update."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from converter.cli import exit_code_of, publish_command
from converter.contract import Manifest
from converter.publish import (
    Endpoints,
    PublishError,
    PublishInputError,
    endpoints,
    publish,
)
from converter.store_client import StoreClient
from server.stores.remote import RemoteStore
from tests.remote.conftest import TripleStore
from tests.remote.helpers import graph_counts, quads, registered, staging_graphs, union_count
from tests.support.fakedist import DX, B, write_dist
from tests.support.processes import free_port
from tests.support.timing import within

pytestmark = pytest.mark.remote
EDITION = f"{B}graph/fy2023"
GRAPHS = [f"{B}graph/catalog", EDITION, f"{B}graph/ontology"]
VALUES = f"SELECT ?v WHERE {{ ?cell <{DX}value> ?v }}"


def served_values(server: TripleStore) -> list[str]:
    return sorted(str(row["v"]) for row in RemoteStore(server.query_url).select(VALUES))


def test_publish_uploads_exactly_the_manifest_graphs(triplestore, fake_dist, publish_to) -> None:
    report = publish_to(fake_dist)

    assert report.graphs == {GRAPHS[0]: 2, EDITION: 15, GRAPHS[2]: 2}
    assert graph_counts(triplestore) == report.graphs  # nothing else, no staging left
    assert union_count(triplestore.query_url) == 19
    assert registered(triplestore.query_url) == set(GRAPHS)
    assert report.stale_staging_dropped == 0


def test_republishing_the_same_edition_changes_nothing(triplestore, fake_dist, publish_to) -> None:
    publish_to(fake_dist)
    before = quads(triplestore.query_url, GRAPHS)

    publish_to(fake_dist)

    assert graph_counts(triplestore) == {GRAPHS[0]: 2, EDITION: 15, GRAPHS[2]: 2}
    assert union_count(triplestore.query_url) == 19  # no duplicate triples
    assert quads(triplestore.query_url, GRAPHS) == before


def test_a_corrected_edition_replaces_the_old_triples(triplestore, tmp_path, publish_to) -> None:
    publish_to(write_dist(tmp_path / "v1", value="100.0"))
    publish_to(write_dist(tmp_path / "v2", value="95.5", years=(2023, 2024)))

    assert served_values(triplestore) == ["95.5", "95.5"]  # fy2023 corrected, fy2024 added
    assert f"{B}graph/fy2024" in graph_counts(triplestore)


def test_a_failed_verification_keeps_the_previous_edition(
    triplestore, tmp_path, publish_to
) -> None:
    publish_to(write_dist(tmp_path / "v1", value="100.0"))
    before = quads(triplestore.query_url, GRAPHS)

    with pytest.raises(PublishError, match="the manifest says 16; nothing was switched") as err:
        publish_to(write_dist(tmp_path / "v2", value="95.5", miscount=1))

    assert f"graph {EDITION}" in str(err.value)
    assert exit_code_of(err.value) == 4
    assert quads(triplestore.query_url, GRAPHS) == before
    assert staging_graphs(triplestore) == []  # dropped on failure
    assert served_values(triplestore) == ["100"]  # Oxigraph writes canonical decimals


def test_store_lost_after_staging_keeps_the_previous_edition(
    triplestore, tmp_path, publish_to, monkeypatch
) -> None:
    publish_to(write_dist(tmp_path / "v1", value="100.0"))
    before = quads(triplestore.query_url, GRAPHS)
    verify = StoreClient.count

    def store_dies_before_verifying(self: StoreClient, graph: str) -> int:
        triplestore.stop()  # the staging graph is uploaded; the switch never happens
        return verify(self, graph)

    monkeypatch.setattr(StoreClient, "count", store_dies_before_verifying)
    with pytest.raises(PublishError, match="cannot reach"):
        publish_to(write_dist(tmp_path / "v2", value="95.5"))
    monkeypatch.undo()
    triplestore.start()

    assert quads(triplestore.query_url, GRAPHS) == before  # every published graph is intact
    assert len(staging_graphs(triplestore)) == 1  # the upload that was never switched
    report = publish_to(write_dist(tmp_path / "v3", value="90"))
    assert report.stale_staging_dropped == 1
    assert staging_graphs(triplestore) == []
    assert served_values(triplestore) == ["90"]


@pytest.mark.parametrize("validation", [None, {"conforms": False}, {"conforms": "true"}, True])
def test_refuses_a_build_not_marked_valid(triplestore, tmp_path, publish_to, validation) -> None:
    dist = write_dist(tmp_path / "dist", validation=validation)
    with pytest.raises(PublishInputError, match="not marked SHACL-valid") as err:
        publish_to(dist)
    assert exit_code_of(err.value) == 2
    assert graph_counts(triplestore) == {}


def test_refuses_a_build_without_manifest_or_with_changed_files(
    triplestore, tmp_path, fake_dist, publish_to
) -> None:
    with pytest.raises(PublishInputError, match="missing; the build did not finish"):
        publish_to(tmp_path)
    (fake_dist / "graphs" / "fy2023.nt").write_text("")
    with pytest.raises(PublishInputError, match="does not match its sha256"):
        publish_to(fake_dist)
    assert graph_counts(triplestore) == {}


def test_an_unreachable_store_fails_quickly(fake_dist) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(PublishError, match=f"cannot reach {url}/query") as err:
        publish(fake_dist, store_url=url + "/store", query_url=url + "/query", timeout=2)
    assert exit_code_of(err.value) == 4
    assert time.monotonic() - started < within(2.0)


@pytest.mark.parametrize(
    ("store", "query", "update", "expected"),
    [
        (
            "http://h:7878",
            None,
            None,
            ("http://h:7878/store", "http://h:7878/query", "http://h:7878/update"),
        ),
        (
            "http://h:3030/ds/data",
            None,
            None,
            ("http://h:3030/ds/data", "http://h:3030/ds/query", "http://h:3030/ds/update"),
        ),
        (
            "http://h/rdf-graphs/service",
            "http://h/sparql",
            None,
            ("http://h/rdf-graphs/service", "http://h/sparql", "http://h/update"),
        ),
        (
            "http://h/sparql-graph-crud",
            "http://h/sparql",
            "http://h/sparql",
            ("http://h/sparql-graph-crud", "http://h/sparql", "http://h/sparql"),
        ),
        (
            "http://h:8890/sparql-graph-crud",
            None,
            None,
            ("http://h:8890/sparql-graph-crud", "http://h:8890/sparql", "http://h:8890/sparql"),
        ),
        (
            "http://h:8890/sparql-graph-crud-auth",
            None,
            None,
            (
                "http://h:8890/sparql-graph-crud-auth",
                "http://h:8890/sparql-auth",
                "http://h:8890/sparql-auth",
            ),
        ),
    ],
)
def test_endpoint_defaults(store, query, update, expected) -> None:
    assert endpoints(store, query, update) == Endpoints(*expected)


@pytest.mark.parametrize(
    ("store", "query"),
    [("http://h/gsp", None), ("ftp://h/store", None), ("http://h/gsp", "http://h/endpoint")],
)
def test_endpoints_that_cannot_be_guessed(store, query) -> None:
    with pytest.raises(PublishInputError):
        endpoints(store, query)


def test_cli_publishes(triplestore, fake_dist) -> None:
    result = CliRunner().invoke(
        publish_command, [str(fake_dist), *triplestore.cli_args], env=triplestore.cli_env
    )
    assert result.exit_code == 0, result.output
    assert f"{EDITION}\t15 triples" in result.output
    assert "published 3 graph(s)" in result.output


@pytest.mark.parametrize(("case", "code"), [("unvalidated", 2), ("bad-url", 2), ("down", 4)])
def test_cli_exit_codes(tmp_path: Path, case: str, code: int) -> None:
    dist = write_dist(tmp_path / "dist", validation=None if case == "unvalidated" else ...)
    store = {"bad-url": "http://h/gsp", "down": f"http://127.0.0.1:{free_port()}"}.get(
        case, "http://127.0.0.1:9/store"
    )
    result = CliRunner().invoke(publish_command, [str(dist), "--store", store, "--timeout", "2"])
    assert result.exit_code == code, result.output
    assert result.output.startswith("publish: ")
    assert "Traceback" not in result.output


def test_refuses_a_manifest_without_triple_counts(triplestore, fake_dist, publish_to) -> None:
    manifest = json.loads((fake_dist / "manifest.json").read_text())
    for graph in manifest["graphs"]:
        del graph["triples"]
    (fake_dist / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(PublishInputError, match="gives no triple count for graphs/catalog.nt"):
        publish_to(fake_dist)
    assert graph_counts(triplestore) == {}


def test_publishes_the_real_build_twice(triplestore, dist_dir: Path, publish_to) -> None:
    expected = {g.iri: g.triples for g in Manifest.read(dist_dir).graphs}

    first = publish_to(dist_dir)
    second = publish_to(dist_dir)

    assert first.graphs == second.graphs == expected
    assert graph_counts(triplestore) == expected
    assert registered(triplestore.query_url) == set(expected)
