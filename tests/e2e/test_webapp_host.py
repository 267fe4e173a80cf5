"""The local stack's host of the web app (local/gateway/webapp.py), what CloudFront does in the cloud.

Its URL is WEB_URL of E2E_STATE_DIR/stack.env (`local/test` sets E2E_STATE_DIR). Checked here: the
config the app reads, the app's own paths answered with index.html (a mail's link opens directly),
a missing file refused rather than answered with the page, caching by kind, the security headers,
and that the API lets this origin, and no other, call it with credentials.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from conftest import cookie_mode_preflight
from stack_files import read_env_file

STATE_DIR_VAR = "E2E_STATE_DIR"


@pytest.fixture(scope="module")
def web_url() -> str:
    state_dir = os.environ.get(STATE_DIR_VAR, "").strip()
    stack_env = Path(state_dir) / "stack.env" if state_dir else None
    url = read_env_file(stack_env).get("WEB_URL", "") if stack_env and stack_env.is_file() else ""
    if not url:
        pytest.fail(f"no WEB_URL in {STATE_DIR_VAR}/stack.env: these tests need the local stack's web app host")
    return url


@pytest.fixture(scope="module")
def web(web_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=web_url, timeout=30, trust_env=False) as client:
        yield client


def test_the_config_names_the_api_and_the_websocket(web: httpx.Client, base_url: str) -> None:
    response = web.get("/config.json")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    config = response.json()
    assert config["apiBaseUrl"] == base_url.rstrip("/")
    assert config["wsUrl"].startswith("ws://127.0.0.1:")


@pytest.mark.parametrize("path", ["/", "/tasks", "/money", "/verify-email?token=abc", "/reset-password?token=abc"])
def test_the_apps_paths_answer_its_page(web: httpx.Client, path: str) -> None:
    response = web.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<div id="root"></div>' in response.text
    assert response.headers["cache-control"] == "no-cache"


def test_assets_are_cached_for_a_year_and_a_missing_file_is_404(web: httpx.Client) -> None:
    page = web.get("/").text
    script = page.split('src="', 1)[1].split('"', 1)[0]
    assert script.startswith("/assets/"), f"the page's script is not a built asset: {script}"
    asset = web.get(script)
    assert asset.status_code == 200
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert web.get("/assets/nothing-here.js").status_code == 404
    # Dot segments encoded, so that no client removes them: still nothing outside the build.
    assert web.get("/assets/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/hosts").status_code == 404
    assert web.post("/tasks").status_code == 405


def test_every_answer_carries_the_security_headers(web: httpx.Client, base_url: str) -> None:
    for path in ("/", "/config.json", "/assets/nothing-here.js"):
        headers = web.get(path).headers
        policy = headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert base_url.rstrip("/") in policy.split("connect-src", 1)[1].split(";", 1)[0]
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-content-type-options"] == "nosniff"


def test_the_api_allows_credentials_to_the_web_app_of_this_stack(client: httpx.Client, web_url: str) -> None:
    """Whatever port the app runs on (local/test picks a free one), its origin may call with credentials."""
    allowed = cookie_mode_preflight(client, web_url)
    assert allowed.headers.get("access-control-allow-origin") == web_url
    assert allowed.headers.get("access-control-allow-credentials") == "true"
