"""The interactive docs over HTTP: Swagger UI's assets gzipped for clients that take it (the same
bytes once decoded), with caching headers (the release's files, in a folder named by its version,
immutable; the page and the document revalidated); identity for clients that do not. Fetched past the local
emulator's own lost answers (tests/stack_files.py), as every large answer here is."""

from __future__ import annotations

import re

import httpx
import pytest

from conftest import TIMEOUT, _check_response, _record_exchange
from stack_files import get_past_emulator_faults


def fetch(base_url: str, path: str, accept_encoding: str) -> httpx.Response:
    with httpx.Client(base_url=base_url, timeout=TIMEOUT, trust_env=False) as plain:
        response = get_past_emulator_faults(plain, path, headers={"Accept-Encoding": accept_encoding})
    _record_exchange(response)
    _check_response(response)
    return response


IMMUTABLE = "public, max-age=31536000, immutable"


def page_assets(base_url: str) -> dict[str, str]:
    """The files the docs page loads, by name: `./swagger-ui-<version>/<name>` as /docs/ links them."""
    page = fetch(base_url, "/docs/", "identity")
    assert page.status_code == 200 and page.headers.get("cache-control") == "no-cache", page.headers
    found = re.findall(r'"\./(swagger-ui-[0-9.]+/([\w.-]+))"', page.text)
    return {name: f"/docs/{path}" for path, name in found}


@pytest.mark.parametrize("name", ["swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-standalone-preset.js"])
def test_the_release_files_are_gzipped_and_immutable(base_url: str, name: str) -> None:
    assets = page_assets(base_url)
    assert name in assets, assets
    check_gzipped_when_taken(base_url, assets[name], IMMUTABLE)


def test_the_document_is_gzipped_and_revalidated(base_url: str) -> None:
    check_gzipped_when_taken(base_url, "/openapi.json", "no-cache")


def check_gzipped_when_taken(base_url: str, path: str, cache_control: str) -> None:
    packed = fetch(base_url, path, "gzip")
    plain = fetch(base_url, path, "identity")
    assert packed.status_code == plain.status_code == 200, (packed.status_code, plain.status_code)
    assert packed.headers.get("content-encoding") == "gzip", packed.headers
    assert "content-encoding" not in plain.headers, plain.headers
    assert packed.content == plain.content, "the same bytes once decoded"
    assert packed.num_bytes_downloaded * 3 < plain.num_bytes_downloaded, (
        packed.num_bytes_downloaded, plain.num_bytes_downloaded)
    for response in (packed, plain):
        assert response.headers.get("cache-control") == cache_control, response.headers
        assert "accept-encoding" in response.headers.get("vary", "").lower(), response.headers
