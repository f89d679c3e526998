// What both TypeScript SDK peers share: the command line (stdio | http PORT) and, for HTTP, the
// SDKs' documented session pattern: one transport (and server) per session, found by its
// Mcp-Session-Id, JSON answers, 127.0.0.1:PORT/mcp.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";

export async function serve({ name, echoServer, StdioTransport, HttpTransport, isInitializeRequest }) {
  const [mode, port] = process.argv.slice(2);
  if (mode === "stdio") {
    await echoServer().connect(new StdioTransport());
    return;
  }
  if (mode !== "http") {
    console.error(`usage: node ${name} stdio | http PORT`);
    process.exit(2);
  }
  const sessions = new Map();
  createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : undefined;
    const id = req.headers["mcp-session-id"];
    let transport = id ? sessions.get(id) : undefined;
    if (!transport && !id && req.method === "POST" && isInitializeRequest(body)) {
      transport = new HttpTransport({
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
}
