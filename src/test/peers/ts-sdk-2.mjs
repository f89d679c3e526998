// The official MCP TypeScript SDK 2.x server (@modelcontextprotocol/server + /node) with Trident's
// echo tool, for scripts/bench peers.
//   node ts-sdk-2.mjs stdio
//   node ts-sdk-2.mjs http PORT      (Streamable HTTP on 127.0.0.1:PORT/mcp, JSON answers, sessions)
import { McpServer, isInitializeRequest } from "@modelcontextprotocol/server";
import { StdioServerTransport } from "@modelcontextprotocol/server/stdio";
import { NodeStreamableHTTPServerTransport } from "@modelcontextprotocol/node";
import { z } from "zod";
import { serve } from "./serve.mjs";

function echoServer() {
  const server = new McpServer({ name: "ts-sdk-2-echo", version: "1.0.0" });
  server.registerTool(
    "echo",
    { description: "Echoes the text back", inputSchema: z.object({ text: z.string() }) },
    async ({ text }) => ({ content: [{ type: "text", text }] }),
  );
  return server;
}

await serve({
  name: "ts-sdk-2.mjs",
  echoServer,
  StdioTransport: StdioServerTransport,
  HttpTransport: NodeStreamableHTTPServerTransport,
  isInitializeRequest,
});
