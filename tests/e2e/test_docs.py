"""The interactive docs over HTTP: Swagger UI's assets gzipped for clients that take it (the same
bytes once decoded), with caching headers; identity for clients that do not. Fetched past the local
emulator's own lost answers (tests/stack_files.py), as every large answer here is."""

from __future__ import annotations

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


@pytest.mark.parametrize(("path", "cache_control"), [
    ("/docs/swagger-ui-bundle.js", "public, max-age=86400"),
    ("/docs/swagger-ui.css", "public, max-age=86400"),
    ("/openapi.json", "no-cache"),
])
def test_docs_assets_are_gzipped_when_the_client_takes_it(base_url: str, path: str, cache_control: str) -> None:
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
