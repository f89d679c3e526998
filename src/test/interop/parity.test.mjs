// Parity: ONE `java -jar trident.jar --transport all --http-port 0 --grpc-port 0` process, and the
// same script of calls through its three doors:
//  - stdio: the MCP SDK's StdioClientTransport, which spawns the process (and stops it on close);
//  - Streamable HTTP: the SDK's StreamableHTTPClientTransport on the logged URL;
//  - gRPC: grpc-js typed RPCs on the logged address, turned back into MCP JSON by toMcp.
// For stdio and HTTP the results compared are the raw JSON-RPC `result` / `error` objects as they
// came off the wire (not the SDK's parsed view), so nothing the SDK drops or adds hides a difference.
// Every difference that is allowed is named where it is normalised, with the reason.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ResultSchema } from '@modelcontextprotocol/sdk/types.js';

import { connectHttp, connectSdk, JAR, LATEST_PROTOCOL } from './helpers.mjs';
import {
  callTool, fromStruct, GRPC_LINE, grpc, grpcClients, HTTP_LINE, toMcp, toStruct, trailer, unary,
} from './grpc-helpers.mjs';

const T = { timeout: 15_000 };

/**
 * One JSON-RPC request through an SDK client; resolves with the raw response message's
 * { result } or { error } as the server sent it.
 */
async function raw(h, method, params) {
  const sentBefore = h.sent.length;
  try {
    await h.client.request(params === undefined ? { method } : { method, params }, ResultSchema);
  } catch {
    // An error response is an outcome to compare like any other.
  }
  const request = h.sent.slice(sentBefore).find((m) => m.method === method && 'id' in m);
  assert.ok(request, `the SDK did not send ${method}`);
  const response = h.received.find((m) => m.id === request.id && ('result' in m || 'error' in m));
  assert.ok(response, `no response to ${method} (id ${request.id})`);
  return 'error' in response ? { error: response.error } : { result: response.result };
}

/** A typed gRPC call as the same { result } / { error } outcome, the result normalised to MCP JSON. */
async function viaGrpc(promise, normalise) {
  try {
    return { result: normalise(await promise) };
  } catch (e) {
    if (typeof e?.code !== 'number' || e.metadata === undefined) throw e;
    const code = trailer(e, 'mcp-error-code');
    assert.ok(code !== undefined, `gRPC ${grpc.status[e.code]} without an mcp-error-code trailer: ${e.details}`);
    const error = { code: Number(code), message: e.details };
    const data = e.metadata.get('mcp-error-data-bin');
    if (data.length) error.data = JSON.parse(Buffer.from(data[0]).toString('utf8'));
    return { error, grpcStatus: e.code };
  }
}

/** A CallTool stream as the outcome of tools/call: its single result event. */
async function grpcCallTool(mcp, name, args) {
  return viaGrpc(callTool(mcp, { name, arguments: toStruct(args) }), ({ results, events }) => {
    assert.equal(results.length, 1, `exactly one result event: ${JSON.stringify(events)}`);
    return toMcp.callToolResult(results[0]);
  });
}

/** Asserts that the three outcomes are deep-equal, naming the transport that differs. */
function assertSame(label, { stdio, http, grpc: viaGrpcOutcome }) {
  const strip = ({ grpcStatus, ...outcome }) => outcome; // eslint-disable-line no-unused-vars
  assert.deepEqual(http, stdio, `${label}: Streamable HTTP differs from stdio`);
  assert.deepEqual(strip(viaGrpcOutcome), stdio, `${label}: gRPC differs from stdio`);
}

describe('parity: stdio, Streamable HTTP and gRPC on one --transport all process', () => {
  let stdio;
  let http;
  let clients;
  let mcp;
  const closers = [];

  before(async () => {
    // Hooks of a describe get no test context: collect the closers ourselves.
    const t = { after: (fn) => closers.push(fn) };
    stdio = await connectSdk(t, {
      args: ['-jar', JAR, '--transport', 'all', '--http-port', '0', '--grpc-port', '0', '--no-auth', '--backend', 'default'],
    });
    // HTTP and gRPC listen before stdio starts reading, so both lines are there by initialize's answer.
    const url = HTTP_LINE.exec(stdio.stderr())?.[1];
    const address = GRPC_LINE.exec(stdio.stderr())?.[1];
    assert.ok(url && address, `listener lines missing from stderr:\n${stdio.stderr().slice(-4000)}`);
    http = await connectHttp(t, url);
    clients = grpcClients(address);
    mcp = clients.mcp;
  });

  after(async () => {
    clients?.close();
    // Closing the stdio client ends stdin, which stops the whole process (SIGTERM, then SIGKILL,
    // if it lingers).
    for (const close of closers.reverse()) await close();
  });

  /** The same MCP request through the three transports. */
  async function all(method, params, grpcOutcome) {
    return {
      stdio: await raw(stdio, method, params),
      http: await raw(http, method, params),
      grpc: await grpcOutcome(),
    };
  }

  test('initialize: protocol version, capabilities, serverInfo', T, async () => {
    const grpcInit = await viaGrpc(unary(mcp, 'Initialize', {
      protocolVersion: LATEST_PROTOCOL, clientInfo: { name: 'trident-parity', version: '0.0.0' },
    }), toMcp.initializeResult);
    // stdio and HTTP were initialized by the SDK: take their answers from the recorded wire.
    const initResult = (h) => h.received.find((m) => m.id === h.sent.find((s) => s.method === 'initialize').id).result;
    const outcomes = { stdio: { result: initResult(stdio) }, http: { result: initResult(http) }, grpc: grpcInit };
    // mcp.v1.Implementation carries name, version and title only: MCP's optional serverInfo
    // description, websiteUrl and icons have no field in the contract, so they are not compared.
    for (const key of ['stdio', 'http']) {
      const { description, websiteUrl, icons, ...serverInfo } = outcomes[key].result.serverInfo; // eslint-disable-line no-unused-vars
      outcomes[key] = { result: { ...outcomes[key].result, serverInfo } };
    }
    assertSame('initialize', outcomes);
  });

  test('tools/list: names, titles, descriptions, schemas and annotations', T, async () => {
    const outcomes = await all('tools/list', undefined, () => viaGrpc(unary(mcp, 'ListTools', {}), toMcp.listTools));
    assertSame('tools/list', outcomes);
    assert.deepEqual(outcomes.grpc.result.tools.map((tool) => tool.name).sort(), ['echo', 'simulate_work', 'whoami']);
  });

  test('tools/call echo, and echo without its argument (a tool error, isError)', T, async () => {
    assertSame('tools/call echo', await all('tools/call', { name: 'echo', arguments: { text: 'parity ✓ "q" \\ /' } },
      () => grpcCallTool(mcp, 'echo', { text: 'parity ✓ "q" \\ /' })));
    const missing = await all('tools/call', { name: 'echo', arguments: {} }, () => grpcCallTool(mcp, 'echo', {}));
    assertSame('tools/call echo {}', missing);
    assert.equal(missing.stdio.result.isError, true);
  });

  test('tools/call whoami: same shape; the transport names itself (the principal may differ)', T, async () => {
    const outcomes = await all('tools/call', { name: 'whoami', arguments: {} }, () => grpcCallTool(mcp, 'whoami', {}));
    // whoami reports who calls and over what: transport (and the principal: local user on stdio,
    // anonymous on the network doors) and the remaining deadline legitimately differ. Compare the
    // shape: the same members with the same JSON types, and the text item mirrors structuredContent.
    const shape = (value) => (Array.isArray(value) ? ['array', ...value.map(shape)]
      : value === null ? 'null'
        : typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]).sort())
          : typeof value);
    const shapes = {};
    for (const [name, { result }] of Object.entries(outcomes)) {
      assert.ok(result && !result.isError, `${name}: ${JSON.stringify(outcomes[name])}`);
      assert.deepEqual(JSON.parse(result.content[0].text), result.structuredContent, `${name}: text mirrors structuredContent`);
      assert.equal(result.structuredContent.transport, name);
      const { scopes, ...rest } = result.structuredContent; // scopes: a list whose length is the principal's
      shapes[name] = { ...shape(rest), scopes: Array.isArray(scopes) ? 'array' : typeof scopes, content: shape(result.content) };
    }
    assertSame('tools/call whoami (shape)', { stdio: shapes.stdio, http: shapes.http, grpc: shapes.grpc });
  });

  test('tools/call of an unknown tool: the same JSON-RPC error (gRPC: mcp-error-code trailer)', T, async () => {
    const outcomes = await all('tools/call', { name: 'no_such_tool_xyz', arguments: {} },
      () => grpcCallTool(mcp, 'no_such_tool_xyz', {}));
    assertSame('unknown tool', outcomes);
    assert.equal(outcomes.stdio.error?.code, -32602);
    assert.equal(outcomes.grpc.grpcStatus, grpc.status.INVALID_ARGUMENT);
  });

  test('resources/list and resources/templates/list', T, async () => {
    assertSame('resources/list', await all('resources/list', undefined,
      () => viaGrpc(unary(mcp, 'ListResources', {}), toMcp.listResources)));
    assertSame('resources/templates/list', await all('resources/templates/list', undefined,
      () => viaGrpc(unary(mcp, 'ListResourceTemplates', {}), toMcp.listResourceTemplates)));
  });

  test('resources/read trident://server/info (uptime aside) and trident://echo/hello', T, async () => {
    const info = await all('resources/read', { uri: 'trident://server/info' },
      () => viaGrpc(unary(mcp, 'ReadResource', { uri: 'trident://server/info' }), toMcp.readResource));
    // The document carries nothing transport-specific (name, version, java, counts), but
    // uptimeSeconds is a clock reading that may tick between the three reads: check that it is a
    // number, then leave it out. The text is pretty-printed JSON; compare it parsed.
    for (const outcome of Object.values(info)) {
      const [contents] = outcome.result.contents;
      const document = JSON.parse(contents.text);
      assert.equal(typeof document.uptimeSeconds, 'number');
      delete document.uptimeSeconds;
      contents.text = document;
    }
    assertSame('resources/read server/info', info);

    assertSame('resources/read echo/hello', await all('resources/read', { uri: 'trident://echo/hello' },
      () => viaGrpc(unary(mcp, 'ReadResource', { uri: 'trident://echo/hello' }), toMcp.readResource)));
  });

  test('resources/read of an unknown uri: the same JSON-RPC error', T, async () => {
    const uri = 'trident://no/such/resource';
    assertSame('unknown resource', await all('resources/read', { uri },
      () => viaGrpc(unary(mcp, 'ReadResource', { uri }), toMcp.readResource)));
  });

  test('prompts/list and prompts/get summarize', T, async () => {
    assertSame('prompts/list', await all('prompts/list', undefined,
      () => viaGrpc(unary(mcp, 'ListPrompts', {}), toMcp.listPrompts)));
    const args = { text: 'Three doors, one house.', style: 'bullet-points' };
    assertSame('prompts/get', await all('prompts/get', { name: 'summarize', arguments: args },
      () => viaGrpc(unary(mcp, 'GetPrompt', { name: 'summarize', arguments: args }), toMcp.getPrompt)));
    assertSame('prompts/get unknown', await all('prompts/get', { name: 'no_such_prompt', arguments: {} },
      () => viaGrpc(unary(mcp, 'GetPrompt', { name: 'no_such_prompt', arguments: {} }), toMcp.getPrompt)));
  });

  test('completion/complete: prompt argument and resource template variable', T, async () => {
    assertSame('complete prompt', await all('completion/complete', {
      ref: { type: 'ref/prompt', name: 'summarize' }, argument: { name: 'style', value: 'b' },
    }, () => viaGrpc(unary(mcp, 'Complete', {
      promptName: 'summarize', argumentName: 'style', argumentValue: 'b',
    }), toMcp.complete)));
    assertSame('complete template', await all('completion/complete', {
      ref: { type: 'ref/resource', uri: 'trident://echo/{text}' }, argument: { name: 'text', value: 'h' },
    }, () => viaGrpc(unary(mcp, 'Complete', {
      resourceTemplateUri: 'trident://echo/{text}', argumentName: 'text', argumentValue: 'h',
    }), toMcp.complete)));
  });

  test('the SDK clients saw no protocol or transport error', T, async () => {
    assert.deepEqual(stdio.errors.map(String), []);
    assert.deepEqual(http.errors.map(String), []);
  });
});
