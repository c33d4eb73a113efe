"""Fixtures for the OpenAPI checks: the repo's openapi.yaml, and the live server when there is one.

The live checks need a running optd: set OPTD_URL to its base URL (for example
http://127.0.0.1:18080) and, if it runs with an API key, OPTD_API_KEY to that key.
Without OPTD_URL they are skipped.
"""

import json
import os
import pathlib
import urllib.request

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
SPEC_PATH = REPO / "openapi.yaml"
ROUTES_PATH = REPO / "Sources" / "OptdService" / "Routes.swift"


@pytest.fixture(scope="session")
def spec_path():
    return SPEC_PATH


@pytest.fixture(scope="session")
def spec():
    with open(SPEC_PATH, encoding="utf-8") as f:
        return yaml.safe_load(f)


@pytest.fixture(scope="session")
def routes_source():
    return ROUTES_PATH.read_text(encoding="utf-8")


class LiveServer:
    """A tiny HTTP client for the optd under test."""

    def __init__(self, base_url, api_key):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key

    def get(self, path):
        """GET path; returns (status, headers, body bytes)."""
        request = urllib.request.Request(self.base_url + path)
        if self.api_key:
            request.add_header("Authorization", f"Bearer {self.api_key}")
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()

    def get_json(self, path):
        status, headers, body = self.get(path)
        assert status == 200, f"GET {path} answered {status}"
        return json.loads(body)


@pytest.fixture(scope="session")
def live():
    base_url = os.environ.get("OPTD_URL")
    if not base_url:
        pytest.skip("OPTD_URL is not set: these checks need a running optd (e.g. OPTD_URL=http://127.0.0.1:18080)")
    return LiveServer(base_url, os.environ.get("OPTD_API_KEY"))
