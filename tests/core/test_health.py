"""/sante/ tells a load balancer whether this instance can serve."""

import json

import pytest
from django.test import override_settings

from comcep.core import health

pytestmark = pytest.mark.django_db


def test_all_checks_ok(client):
    response = client.get("/sante/")
    body = json.loads(response.content)
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert {"database", "cache", "tasks"} <= set(body["checks"])
    assert response["Cache-Control"].startswith("max-age=0")


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}})
def test_a_cache_that_loses_data_makes_the_instance_unhealthy(client):
    # DummyCache really drops what it is given: the check must notice.
    response = client.get("/sante/")
    body = json.loads(response.content)
    assert response.status_code == 503
    assert body["status"] == "error"
    assert body["checks"]["cache"].startswith("error")
    assert body["checks"]["database"] == "ok"


def test_a_registered_check_that_raises_is_reported(client):
    def broken():
        raise ConnectionError("search engine refused the connection")

    health.register("test-broken", broken)
    try:
        body = json.loads(client.get("/sante/").content)
        assert body["checks"]["test-broken"].startswith("error: ConnectionError")
    finally:
        health._checks.pop("test-broken")
