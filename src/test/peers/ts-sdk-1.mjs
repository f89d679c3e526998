// The official MCP TypeScript SDK 1.x server with Trident's echo tool, for scripts/bench peers.
//   node ts-sdk-1.mjs stdio
//   node ts-sdk-1.mjs http PORT      (Streamable HTTP on 127.0.0.1:PORT/mcp, JSON answers, sessions)
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

function echoServer() {
  const server = new McpServer({ name: "ts-sdk-1-echo", version: "1.0.0" });
  server.registerTool(
    "echo",
    { description: "Echoes the text back", inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: "text", text }] }),
  );
  return server;
}

const [mode, port] = process.argv.slice(2);
if (mode === "stdio") {
  await echoServer().connect(new StdioServerTransport());
} else if (mode === "http") {
  const sessions = new Map();
  createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : undefined;
    const id = req.headers["mcp-session-id"];
    let transport = id ? sessions.get(id) : undefined;
    if (!transport && !id && req.method === "POST" && isInitializeRequest(body)) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: true,
        onsessioninitialized: (sid) => sessions.set(sid, transport),
      });
      transport.onclose = () => transport.sessionId && sessions.delete(transport.sessionId);
      await echoServer().connect(transport);
    }
    if (!transport) {
      res.writeHead(404, { "content-type": "application/json" }).end(
        JSON.stringify({ jsonrpc: "2.0", error: { code: -32001, message: "Session not found" }, id: null }),
      );
      return;
    }
    await transport.handleRequest(req, res, body);
  }).listen(Number(port), "127.0.0.1", () => console.error(`listening on 127.0.0.1:${port}`));
} else {
  console.error("usage: node ts-sdk-1.mjs stdio | http PORT");
  process.exit(2);
}
