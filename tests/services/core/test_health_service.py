"""Health checks against the real bundled servers."""

from __future__ import annotations

from pathlib import Path

import redis

from studyteddy_desktop.services.core.health_service import HealthService


def test_reports_versions_and_aof_persistence(database, endpoints):
    client = redis.Redis.from_url(endpoints.redis_url)
    report = HealthService(database, client, None, Path(endpoints.data_dir)).report(include_worker=False)
    client.close()
    assert report.healthy, report
    assert report.component("PostgreSQL").version.startswith("18.")
    assert report.component("pgvector").version.startswith("0.8")
    assert "append-only file" in report.component("Redis").detail
    assert "SmolLM2" in report.component("Language model").detail


def test_an_unreachable_redis_is_reported_not_raised(database, tmp_path):
    client = redis.Redis(unix_socket_path=str(tmp_path / "nowhere.sock"), socket_connect_timeout=0.2)
    health = HealthService(database, client, None, tmp_path).check_redis()
    assert not health.healthy
    assert "not reachable" in health.detail


def test_a_missing_data_directory_is_unhealthy(database, endpoints, tmp_path):
    client = redis.Redis.from_url(endpoints.redis_url)
    health = HealthService(database, client, None, tmp_path / "gone").check_data_dir()
    client.close()
    assert not health.healthy
