"""Sign-in with OAuth, the whole flow, with real parts: a real authorization server (npm
`oidc-provider`, tests/oauth/server.mjs, on loopback) and the official Python MCP SDK's
`OAuthClientProvider` as the client.

The client is refused (401), finds the protected resource metadata, discovers the authorization
server, registers itself (dynamic client registration), runs the authorization code flow with
PKCE and the `resource` indicator, and calls a tool with the JWT access token it got. Then a
write tool: the read-only token gets 403 insufficient_scope, the SDK steps up to the write scope
and the call goes through to a preview. The person's part of the flow (login, consent) is done
by plain HTTP requests: the test server signs in its test user without a form.

Needs Node and `npm ci --prefix tests/oauth` (`.ci/python` does it).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

import httpx2
import pytest
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

from test_blackbox import BINARY, CALL_TIMEOUT_SECONDS, STARTUP_DEADLINE_SECONDS, free_loopback_port, wait_until_healthy

REPO_ROOT = Path(__file__).resolve().parents[2]
AUTH_SERVER_DIR = REPO_ROOT / "tests" / "oauth"
REDIRECT_URI = "http://127.0.0.1:9/callback"  # never contacted: the test reads the redirect itself


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    """oidc-provider on a free loopback port; yields its issuer URL."""
    node = shutil.which("node")
    assert node, "node is needed for the authorization server"
    assert (AUTH_SERVER_DIR / "node_modules" / "oidc-provider").is_dir(), "run: npm ci --prefix tests/oauth"
    with tempfile.TemporaryFile() as stderr:
        server = subprocess.Popen(
            [node, "server.mjs", "0"],
            cwd=AUTH_SERVER_DIR,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env={"PATH": os.environ.get("PATH", ""), "TEST_USER": "alice"},
        )
        try:
            assert server.stdout is not None
            line = server.stdout.readline().decode().strip()
            assert line.startswith("ISSUER "), f"the authorization server did not start: {line!r}"
            yield line.removeprefix("ISSUER ")
        finally:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def signed_in_server(issuer: str) -> Iterator[tuple[str, Path]]:
    """`nango-mcp --demo --allow-writes --http` trusting the issuer; yields its /mcp URL and log."""
    assert BINARY.is_file(), f"build the binary first (cargo build -p nango-mcp): {BINARY} is missing"
    port = free_loopback_port()
    url = f"http://127.0.0.1:{port}/mcp"
    with tempfile.NamedTemporaryFile(suffix=".log") as log:
        server = subprocess.Popen(
            [str(BINARY), "--demo", "--allow-writes", "--http", f"127.0.0.1:{port}"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            env={
                "PATH": os.environ.get("PATH", ""),
                "NANGO_MCP_LOG": "info",
                "NANGO_MCP_OAUTH_ISSUER": issuer,
                "NANGO_MCP_PUBLIC_URL": url,
            },
        )
        try:
            wait_until_healthy(f"http://127.0.0.1:{port}", server)
            yield url, Path(log.name)
        finally:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
            server.wait(timeout=STARTUP_DEADLINE_SECONDS)


class MemoryStorage:
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


class HeadlessBrowser:
    """Plays the person's browser: follows the authorization server's redirects (keeping its
    cookies) until it sends the browser back to the client's redirect URI with the code."""

    def __init__(self) -> None:
        self.result: AuthorizationCodeResult | None = None
        self.visits = 0

    async def open(self, authorization_url: str) -> None:
        self.visits += 1
        query = parse_qs(urlparse(authorization_url).query)
        assert query.get("code_challenge_method") == ["S256"], "PKCE"
        assert "resource" in query, "RFC 8707 resource indicator"
        async with httpx2.AsyncClient(follow_redirects=False, timeout=CALL_TIMEOUT_SECONDS) as browser:
            url = authorization_url
            for _ in range(10):
                response = await browser.get(url)
                assert response.status_code in (302, 303), f"{url}: {response.status_code} {response.text[:500]}"
                url = urljoin(url, response.headers["location"])
                if url.startswith(REDIRECT_URI):
                    params = parse_qs(urlparse(url).query)
                    assert "code" in params, f"the authorization server refused: {params}"
                    self.result = AuthorizationCodeResult(
                        code=params["code"][0],
                        state=params.get("state", [None])[0],
                        iss=params.get("iss", [None])[0],
                    )
                    return
        raise AssertionError("the authorization server never redirected back")

    async def callback(self) -> AuthorizationCodeResult:
        assert self.result is not None
        return self.result


def claims_of(jwt: str) -> dict:
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.mark.anyio
async def test_the_sdk_signs_in_and_calls_tools_with_a_jwt_for_this_resource(
    signed_in_server: tuple[str, Path], issuer: str
) -> None:
    url, log = signed_in_server
    browser = HeadlessBrowser()
    storage = MemoryStorage()
    provider = OAuthClientProvider(
        server_url=url,
        client_metadata=OAuthClientMetadata(
            client_name="nango-mcp oauth test",
            redirect_uris=[REDIRECT_URI],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        ),
        storage=storage,
        redirect_handler=browser.open,
        callback_handler=browser.callback,
    )
    async with httpx2.AsyncClient(auth=provider, timeout=CALL_TIMEOUT_SECONDS) as http:
        async with Client(
            streamable_http_client(url, http_client=http), read_timeout_seconds=CALL_TIMEOUT_SECONDS
        ) as client:
            assert storage.client is not None, "the client registered itself (DCR)"
            assert storage.tokens is not None
            token = storage.tokens.access_token
            claims = claims_of(token)
            assert claims["iss"] == issuer
            assert claims["aud"] == url or url in claims["aud"], claims
            assert claims["sub"] == "alice"
            assert "nango-mcp:read" in claims["scope"].split()
            assert "nango-mcp:write" not in claims["scope"].split(), "asked only for what the challenge named"

            listed = await client.call_tool("list_integrations", {})
            assert not listed.is_error, listed.content

            # A write tool: 403 insufficient_scope, the SDK signs in again for the write scope.
            preview = await client.call_tool(
                "pause_sync", {"integration": "hubspot-prod", "connection_id": "conn-123", "syncs": "deals"}
            )
            assert not preview.is_error, preview.content
            assert preview.structured_content["status"] == "preview", preview.structured_content
            assert browser.visits == 2, "step-up authorization for the write scope"
            assert "nango-mcp:write" in claims_of(storage.tokens.access_token)["scope"].split()

    text = log.read_text()
    assert any("caller=" in line and "alice via" in line for line in text.splitlines()), text
    assert token not in text and storage.tokens.access_token not in text, "no token in the log"
