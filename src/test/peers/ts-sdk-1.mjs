// The official MCP TypeScript SDK 1.x server with Trident's echo tool, for scripts/bench peers.
//   node ts-sdk-1.mjs stdio
//   node ts-sdk-1.mjs http PORT      (Streamable HTTP on 127.0.0.1:PORT/mcp, JSON answers, sessions)
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { serve } from "./serve.mjs";

function echoServer() {
  const server = new McpServer({ name: "ts-sdk-1-echo", version: "1.0.0" });
  server.registerTool(
    "echo",
    { description: "Echoes the text back", inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: "text", text }] }),
  );
  return server;
}

await serve({
  name: "ts-sdk-1.mjs",
  echoServer,
  StdioTransport: StdioServerTransport,
  HttpTransport: StreamableHTTPServerTransport,
  isInitializeRequest,
});
