"""Black-box test of the real `nango-mcp` binary through the official Python MCP SDK.

The server runs with `--demo` (the built-in simulator, seeded sample data), once over stdio and
once over Streamable HTTP on a free loopback port. Every test runs against both transports, so a
difference between them shows up as a failure of one parametrisation only.

The binary is `$NANGO_MCP_BIN`, else `target/debug/nango-mcp` at the repository root.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp_types import PromptReference, ResourceTemplateReference

REPO_ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("NANGO_MCP_BIN", REPO_ROOT / "target" / "debug" / "nango-mcp"))

EXPECTED_TOOLS = {
    "list_integrations",
    "get_integration",
    "list_connections",
    "get_connection",
    "list_syncs",
    "list_sync_runs",
    "list_records",
    "get_environment",
    "audit_connections",
    "search_providers",
}

# Generous: a debug build on a busy 2-core machine; only ever reached when something hangs.
STARTUP_DEADLINE_SECONDS = 60
CALL_TIMEOUT_SECONDS = 60


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(base_url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"nango-mcp exited with {server.returncode} before it was healthy")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"nango-mcp did not answer {base_url}/healthz in {STARTUP_DEADLINE_SECONDS}s")


@pytest.fixture(scope="module")
def http_server() -> Iterator[str]:
    """One `--demo --http` server for the module; yields its /mcp URL and checks it stops cleanly."""
    assert BINARY.is_file(), f"build the binary first (cargo build -p nango-mcp): {BINARY} is missing"
    port = free_loopback_port()
    # A file, not a pipe: nobody reads a pipe while tests run, and a full one would stall the server.
    with tempfile.TemporaryFile() as stderr:
        server = subprocess.Popen(
            [str(BINARY), "--demo", "--http", f"127.0.0.1:{port}"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env={"PATH": os.environ.get("PATH", ""), "NANGO_MCP_LOG": "warn"},
        )
        try:
            wait_until_healthy(f"http://127.0.0.1:{port}", server)
            yield f"http://127.0.0.1:{port}/mcp"
        finally:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
                pytest.fail("nango-mcp ignored SIGTERM for 30 s")
        stderr.seek(0)
        log = stderr.read().decode(errors="replace")
    # SIGTERM is the orchestrator's way to stop it; a graceful stop exits 0.
    assert server.returncode == 0, log


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["stdio", "http"])
def transport(request: pytest.FixtureRequest) -> str:
    return request.param


@asynccontextmanager
async def connect(transport: str, request: pytest.FixtureRequest) -> AsyncIterator[Client]:
    if transport == "stdio":
        assert BINARY.is_file(), f"build the binary first (cargo build -p nango-mcp): {BINARY} is missing"
        server = StdioServerParameters(
            command=str(BINARY), args=["--demo"], env={"NANGO_MCP_LOG": "warn"}
        )
    else:
        server = request.getfixturevalue("http_server")
    async with Client(server, read_timeout_seconds=CALL_TIMEOUT_SECONDS) as client:
        yield client


async def structured(client: Client, tool: str, arguments: dict) -> dict:
    """A successful call's structuredContent (which the SDK checks against the tool's outputSchema)."""
    result = await client.call_tool(tool, arguments)
    text = " ".join(getattr(block, "text", "") for block in result.content)
    assert not result.is_error, f"{tool} {arguments} failed: {text}"
    assert isinstance(result.structured_content, dict), f"{tool} returned no structuredContent"
    assert text.strip(), f"{tool} returned no text content for clients without structured output"
    return result.structured_content


@pytest.mark.anyio
async def test_the_ten_tools_are_listed(transport: str, request: pytest.FixtureRequest) -> None:
    async with connect(transport, request) as client:
        assert client.server_info is not None and client.server_info.name == "nango-mcp"
        listed = await client.list_tools()
        names = [tool.name for tool in listed.tools]
        assert set(names) == EXPECTED_TOOLS
        assert len(names) == len(EXPECTED_TOOLS), f"duplicate tool names: {names}"
        for tool in listed.tools:
            # Read-only server: every tool says so, so clients can skip confirmation prompts.
            assert tool.annotations is not None and tool.annotations.read_only_hint, tool.name
            assert tool.output_schema is not None, f"{tool.name} has no outputSchema"


@pytest.mark.anyio
async def test_list_connections_filters_auth_errors(transport: str, request: pytest.FixtureRequest) -> None:
    async with connect(transport, request) as client:
        answer = await structured(client, "list_connections", {"health": ["auth_error"]})
    rows = answer["connections"]
    assert rows, "the demo dataset has connections with auth errors"
    assert answer["total"] == len(rows) == answer["counts"]["auth_error"]
    assert all("auth_error" in row["health"] for row in rows), rows
    by_id = {row["connection_id"]: row for row in rows}
    assert "conn-xyz" in by_id, sorted(by_id)
    assert by_id["conn-xyz"]["integration"] == "salesforce-prod"
    # The filter narrows the rows, not the environment-wide health counts.
    assert answer["counts"]["ok"] > 0


@pytest.mark.anyio
async def test_get_connection_explains_a_broken_one(transport: str, request: pytest.FixtureRequest) -> None:
    async with connect(transport, request) as client:
        answer = await structured(client, "get_connection", {"connection_id": "conn-xyz"})
    assert answer["connection_id"] == "conn-xyz"
    assert answer["integration"] == "salesforce-prod"
    assert answer["provider"] == "salesforce"
    assert answer["health"] == ["auth_error"]
    assert [error["type"] for error in answer["errors"]] == ["auth"]
    # Read from the listing: no credential read, so nothing Nango could refresh.
    assert "credentials" not in answer


@pytest.mark.anyio
async def test_get_connection_gives_credential_facts_on_request(transport: str, request: pytest.FixtureRequest) -> None:
    async with connect(transport, request) as client:
        answer = await structured(client, "get_connection", {"connection_id": "conn-123", "credentials": True})
    credentials = answer["credentials"]
    assert credentials["type"] == "OAUTH2"
    # Credential facts only: no token value ever reaches the client.
    assert "access_token" not in credentials and "refresh_token" not in credentials
    assert "access_token" in credentials["fields_present"]


@pytest.mark.anyio
async def test_list_records_pages_contacts(transport: str, request: pytest.FixtureRequest) -> None:
    async with connect(transport, request) as client:
        answer = await structured(
            client, "list_records", {"connection_id": "conn-456", "model": "Contact", "limit": 5}
        )
        assert answer["model"] == "Contact"
        assert answer["connection_id"] == "conn-456"
        assert answer["integration"] == "hubspot-prod"
        records = answer["records"]
        assert len(records) == answer["shown"] == 5
        assert answer["total_stored"] > 5
        assert answer["next_cursor"], "more records than the limit: a cursor must follow"
        assert all("email" in record["data"] for record in records), records
        first_ids = [record["id"] for record in records]
        assert len(set(first_ids)) == 5, first_ids
        # The cursor continues where the first page stopped.
        following = await structured(
            client,
            "list_records",
            {"connection_id": "conn-456", "model": "Contact", "limit": 5, "cursor": answer["next_cursor"]},
        )
    assert not set(first_ids) & {record["id"] for record in following["records"]}


@pytest.mark.anyio
async def test_resources_prompts_and_completions(transport: str, request: pytest.FixtureRequest) -> None:
    """What the conformance suite checks only with its own fixtures, checked with this server's."""
    async with connect(transport, request) as client:
        uris = {resource.uri for resource in (await client.list_resources()).resources}
        assert "nango://integrations" in uris
        read = await client.read_resource("nango://integrations/salesforce-prod")
        assert "salesforce-prod" in read.contents[0].text
        templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
        assert "nango://connections/{integration}/{connection_id}" in templates
        prompt = await client.get_prompt("schema_verification", {"connection_id": "conn-456", "model": "Contact"})
        prompt_text = " ".join(getattr(message.content, "text", "") for message in prompt.messages)
        assert "conn-456" in prompt_text and "Contact" in prompt_text
        completed = await client.complete(
            ResourceTemplateReference(uri="nango://connections/{integration}/{connection_id}"),
            {"name": "connection_id", "value": "conn-"},
            {"integration": "salesforce-prod"},
        )
        assert "conn-xyz" in completed.completion.values
        assert all(value.startswith("conn-") for value in completed.completion.values)
        unknown = PromptReference(name="no_such_prompt")
        with pytest.raises(Exception, match="unknown completion reference"):
            await client.complete(unknown, {"name": "model", "value": ""})
