"""deploy/prometheus/: the scrape configuration and its alerts, read by Prometheus's promtool.

promtool comes with Debian's ``prometheus`` package, which scripts/install-system-deps.sh
installs when missing (its service is not started: the tests only run promtool); without
it these tests fail.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.deploy.test_guide import second_instance_metrics_port
from tests.deploy.test_systemd import service

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy" / "prometheus"
CONFIG = PROMETHEUS / "dx-lod.yml"
RULES = PROMETHEUS / "dx-lod-rules.yml"


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    found = shutil.which("promtool")
    if not found:
        pytest.fail("promtool is missing: run scripts/install-system-deps.sh", pytrace=False)
    return subprocess.run([found, *args], capture_output=True, text=True, cwd=PROMETHEUS)


def test_promtool_accepts_the_configuration_and_its_rules() -> None:
    done = _promtool("check", "config", CONFIG.name)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 1 rule files found" in done.stdout


def _metrics_port(unit: str) -> str:
    environment = dict(
        pair.split("=", 1) for line in service(unit)["Environment"] for pair in line.split()
    )
    return environment["DX_METRICS_PORT"]


def test_the_targets_are_the_units_metrics_ports() -> None:
    """Every target is on 127.0.0.1, at the port its unit gives the service."""
    doc = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    targets = {
        group["labels"]["unit"]: target
        for job in doc["scrape_configs"]
        for group in job["static_configs"]
        for target in group["targets"]
    }
    wanted = {
        unit: f"127.0.0.1:{_metrics_port(unit)}"
        for unit in ("dx-lod.service", "dx-lod-console.service")
    }
    # the second instance's, as the deployment guide writes its instance file
    wanted["dx-lod@8002.service"] = f"127.0.0.1:{second_instance_metrics_port()}"
    assert targets == wanted
    assert doc["scrape_configs"][0]["job_name"] == "dx-lod"


RULE_TESTS = """
rule_files: [dx-lod-rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'up{job="dx-lod", unit="dx-lod.service"}'
        values: '1x10'
      - series: 'up{job="dx-lod", unit="dx-lod@8002.service"}'
        values: '1 1 0x8'
    alert_rule_test:
      - eval_time: 3m
        alertname: DxLodInstanceDown
      - eval_time: 5m
        alertname: DxLodInstanceDown
        exp_alerts:
          - exp_labels: {severity: warning, job: dx-lod, unit: dx-lod@8002.service}
            exp_annotations:
              summary: dx-lod@8002.service does not answer its metrics scrape
              description: >-
                systemctl status dx-lod@8002.service; journalctl -u dx-lod@8002.service
      - eval_time: 5m
        alertname: DxLodAllInstancesDown
  - interval: 1m
    input_series:
      - series: 'up{job="dx-lod", unit="dx-lod.service"}'
        values: '0x5'
      - series: 'up{job="dx-lod", unit="dx-lod@8002.service"}'
        values: '0x5'
    alert_rule_test:
      - eval_time: 2m
        alertname: DxLodAllInstancesDown
        exp_alerts:
          - exp_labels: {severity: critical}
            exp_annotations:
              summary: no instance of the public server answers
  # 5xx: 10 % of the pages for 15 minutes fires; /sparql's 503s (load shedding) do not
  - interval: 1m
    input_series:
      - series: 'dx_http_requests_total{job="dx-lod", unit="dx-lod.service", route="/kpis", method="GET", status="200"}'
        values: '0+90x30'
      - series: 'dx_http_requests_total{job="dx-lod", unit="dx-lod.service", route="/kpis", method="GET", status="503"}'
        values: '0+10x30'
      - series: 'dx_http_requests_total{job="dx-lod", unit="dx-lod@8002.service", route="/kpis", method="GET", status="200"}'
        values: '0+90x30'
      - series: 'dx_http_requests_total{job="dx-lod", unit="dx-lod@8002.service", route="/sparql", method="GET", status="503"}'
        values: '0+50x30'
    alert_rule_test:
      - eval_time: 8m
        alertname: DxLodServerErrors
      - eval_time: 20m
        alertname: DxLodServerErrors
        exp_alerts:
          - exp_labels: {severity: critical, job: dx-lod, unit: dx-lod.service}
            exp_annotations:
              summary: dx-lod.service answers 10% of its requests with 5xx
              description: >-
                journalctl -u dx-lod.service -p warning; the instance's /__heartbeat__
                names the failing check
  # SPARQL refusals: 20 % for 25 minutes fires; 5 % does not
  - interval: 1m
    input_series:
      - series: 'dx_sparql_queries_total{job="dx-lod", unit="dx-lod.service", outcome="answered"}'
        values: '0+80x30'
      - series: 'dx_sparql_queries_total{job="dx-lod", unit="dx-lod.service", outcome="refused"}'
        values: '0+20x30'
      - series: 'dx_sparql_queries_total{job="dx-lod", unit="dx-lod@8002.service", outcome="answered"}'
        values: '0+95x30'
      - series: 'dx_sparql_queries_total{job="dx-lod", unit="dx-lod@8002.service", outcome="refused"}'
        values: '0+5x30'
    alert_rule_test:
      - eval_time: 12m
        alertname: DxLodSparqlRefused
      - eval_time: 25m
        alertname: DxLodSparqlRefused
        exp_alerts:
          - exp_labels: {severity: warning, job: dx-lod, unit: dx-lod.service}
            exp_annotations:
              summary: dx-lod.service refuses 20% of its SPARQL queries (no free slot)
              description: >-
                dx_sparql_query_slots_in_use against dx_sparql_query_slots; nginx's access
                log for the clients of /sparql
  # store errors: an unreachable store fires after 5 minutes; clients' bad queries never
  - interval: 1m
    input_series:
      - series: 'dx_store_errors_total{job="dx-lod", unit="dx-lod.service", store="remote", error="StoreUnavailable"}'
        values: '0 0 0+3x20'
      - series: 'dx_store_errors_total{job="dx-lod", unit="dx-lod@8002.service", store="remote", error="QueryRejected"}'
        values: '0+5x22'
      - series: 'dx_store_errors_total{job="dx-lod", unit="dx-lod@8002.service", store="remote", error="StoreTimeout"}'
        values: '0+5x22'
    alert_rule_test:
      - eval_time: 5m
        alertname: DxLodStoreErrors
      - eval_time: 10m
        alertname: DxLodStoreErrors
        exp_alerts:
          - exp_labels:
              {severity: critical, job: dx-lod, unit: dx-lod.service, store: remote, error: StoreUnavailable}
            exp_annotations:
              summary: "dx-lod.service: requests to its remote store fail (StoreUnavailable)"
              description: >-
                the store's own service (systemctl status oxigraph …); journalctl -u
                dx-lod.service | grep StoreUnavailable
  # different data: for 10 minutes fires; the seconds of a release switch do not
  - interval: 1m
    input_series:
      - series: 'dx_build_info{job="dx-lod", unit="dx-lod.service", digest="aaa"}'
        values: '1x20'
      - series: 'dx_build_info{job="dx-lod", unit="dx-lod@8002.service", digest="bbb"}'
        values: '1x20'
    alert_rule_test:
      - eval_time: 5m
        alertname: DxLodInstancesDiffer
      - eval_time: 15m
        alertname: DxLodInstancesDiffer
        exp_alerts:
          - exp_labels: {severity: warning}
            exp_annotations:
              summary: the instances of the public server serve different data
              description: >-
                for port in 8000 8002; do curl -s http://127.0.0.1:$port/__version__; done;
                journalctl -u dx-lod -u 'dx-lod@*' | grep 'cannot be served'
  - interval: 1m
    input_series:
      - series: 'dx_build_info{job="dx-lod", unit="dx-lod.service", digest="aaa"}'
        values: '1x4 stale'
      - series: 'dx_build_info{job="dx-lod", unit="dx-lod.service", digest="bbb"}'
        values: '_x5 1x25'
      - series: 'dx_build_info{job="dx-lod", unit="dx-lod@8002.service", digest="aaa"}'
        values: '1x6 stale'
      - series: 'dx_build_info{job="dx-lod", unit="dx-lod@8002.service", digest="bbb"}'
        values: '_x7 1x23'
    alert_rule_test:
      - eval_time: 20m
        alertname: DxLodInstancesDiffer
"""


def test_the_alerts_fire_when_they_should(tmp_path: Path) -> None:
    """One instance down for 2 minutes warns; both down is critical; all up is quiet. Each
    alert on the services' own metrics fires on a case it is for, and stays quiet on one
    it is not (a short spell, /sparql's own 503s, a client's bad query, a release switch)."""
    shutil.copy(RULES, tmp_path / RULES.name)
    (tmp_path / "tests.yml").write_text(RULE_TESTS, encoding="utf-8")
    found = shutil.which("promtool") or "promtool"
    done = subprocess.run(
        [found, "test", "rules", "tests.yml"], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stdout + done.stderr
