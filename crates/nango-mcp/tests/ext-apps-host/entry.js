// The official MCP Apps host side, bundled for the browser test (e2e_ext_apps.rs): the page
// gets `ExtApps.AppBridge` and `ExtApps.PostMessageTransport` from the npm package as published.
export { AppBridge, PostMessageTransport } from "@modelcontextprotocol/ext-apps/app-bridge";
