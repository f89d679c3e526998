// End-to-end: a stock gRPC client (@grpc/grpc-js, stubs made at run time from
// src/main/proto/mcp/v1/mcp.proto by @grpc/proto-loader) drives
// `java -jar trident.jar --transport grpc --grpc-port 0`. One server serves the whole file: the
// typed RPCs are stateless, and the cancel and deadline tests check that it keeps serving after.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { LATEST_PROTOCOL } from './helpers.mjs';
import {
  callTool, fromStruct, grpc, grpcClients, startGrpcServer, toStruct, trailer, unary,
} from './grpc-helpers.mjs';

const T = { timeout: 15_000 };
const Status = grpc.status;

/** assert.rejects predicate: a ServiceError with this gRPC status (and mcp-error-code, if given). */
function grpcError(code, mcpCode) {
  return (error) => {
    assert.equal(error?.code, code,
      `expected gRPC status ${Status[code]}, got ${Status[error?.code] ?? error?.code}: ${error?.details ?? error}`);
    if (mcpCode !== undefined) {
      assert.equal(trailer(error, 'mcp-error-code'), String(mcpCode), `mcp-error-code trailer of: ${error.details}`);
    }
    return true;
  };
}

describe('gRPC transport (grpc-js client)', () => {
  let server;
  let clients;
  let mcp;

  before(async () => {
    server = await startGrpcServer(null);
    clients = grpcClients(server.address);
    mcp = clients.mcp;
  });

  after(async () => {
    clients?.close();
    await server?.kill();
  });

  test('Initialize negotiates the protocol version and returns serverInfo and capabilities', T, async () => {
    const response = await unary(mcp, 'Initialize', {
      protocolVersion: LATEST_PROTOCOL,
      clientInfo: { name: 'trident-interop-grpc', version: '0.0.0' },
      capabilities: toStruct({}),
    });
    assert.equal(response.protocolVersion, LATEST_PROTOCOL);
    assert.equal(response.serverInfo.name, 'trident');
    assert.ok(response.serverInfo.version.length > 0, 'serverInfo.version must not be empty');
    const capabilities = fromStruct(response.capabilities);
    for (const key of ['tools', 'resources', 'prompts', 'logging', 'completions']) {
      assert.ok(capabilities[key], `capability ${key} missing: ${JSON.stringify(capabilities)}`);
    }
  });

  test('Initialize without protocol_version is INVALID_ARGUMENT / -32602', T, async () => {
    await assert.rejects(unary(mcp, 'Initialize', {}), grpcError(Status.INVALID_ARGUMENT, -32602));
  });

  test('Ping answers an empty PingResponse', T, async () => {
    assert.deepEqual(await unary(mcp, 'Ping', {}), {});
  });

  test('an unsupported mcp-protocol-version is INVALID_ARGUMENT / -32602; a supported one is accepted', T, async () => {
    await assert.rejects(
      unary(mcp, 'Ping', {}, { metadata: { 'mcp-protocol-version': '1999-01-01' } }),
      grpcError(Status.INVALID_ARGUMENT, -32602),
    );
    assert.deepEqual(await unary(mcp, 'Ping', {}, { metadata: { 'mcp-protocol-version': LATEST_PROTOCOL } }), {});
  });

  test('ListTools: echo, whoami, simulate_work with their schemas as Structs', T, async () => {
    const { tools, nextCursor } = await unary(mcp, 'ListTools', {});
    assert.equal(nextCursor, '');
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    assert.deepEqual([...byName.keys()].sort(), ['echo', 'simulate_work', 'whoami']);
    assert.deepEqual(fromStruct(byName.get('echo').inputSchema), {
      type: 'object',
      properties: { text: { type: 'string', description: 'The text to return' } },
      required: ['text'],
      additionalProperties: false,
    });
    // Integers in a schema survive the Struct (double) round trip as the same JSON numbers.
    const work = fromStruct(byName.get('simulate_work').inputSchema);
    assert.equal(work.properties.steps.maximum, 10000);
    assert.equal(work.properties.seconds.default, 5);
    assert.equal(fromStruct(byName.get('whoami').outputSchema).type, 'object');
    // proto3 `optional` hints keep their presence: echo is read-only.
    const echo = byName.get('echo').annotations;
    assert.equal(echo._readOnlyHint, 'readOnlyHint');
    assert.equal(echo.readOnlyHint, true);
  });

  test('CallTool echo: exactly one result event, then OK', T, async () => {
    const { events, result, status } = await callTool(mcp, {
      name: 'echo',
      arguments: { fields: { text: { stringValue: 'hi' } } },
    }, { metadata: { 'mcp-tool': 'echo' } });
    assert.equal(status.code, Status.OK);
    assert.equal(events.length, 1, JSON.stringify(events));
    assert.equal(events[0].event, 'result');
    assert.equal(result.isError, false);
    assert.equal(result.content.length, 1);
    assert.equal(result.content[0].kind, 'text');
    assert.equal(result.content[0].text.text, 'hi');
  });

  test('CallTool echo without "text" is a tool error (is_error, status OK), not a failed call', T, async () => {
    const { result, status } = await callTool(mcp, { name: 'echo', arguments: toStruct({}) });
    assert.equal(status.code, Status.OK);
    assert.equal(result.isError, true);
    assert.match(result.content.map((c) => c.text?.text ?? '').join('\n'), /text/i);
  });

  test('CallTool whose mcp-tool metadata differs from the name is INVALID_ARGUMENT / -32602', T, async () => {
    await assert.rejects(
      callTool(mcp, { name: 'echo', arguments: toStruct({ text: 'x' }) }, { metadata: { 'mcp-tool': 'whoami' } }),
      grpcError(Status.INVALID_ARGUMENT, -32602),
    );
  });

  test('CallTool of an unknown tool is INVALID_ARGUMENT with trailer mcp-error-code -32602', T, async () => {
    const error = await callTool(mcp, { name: 'no_such_tool_xyz', arguments: toStruct({}) }).then(
      (ok) => assert.fail(`expected an error, got ${JSON.stringify(ok.events)}`),
      (e) => e,
    );
    grpcError(Status.INVALID_ARGUMENT, -32602)(error);
    assert.deepEqual(error.events, [], 'no event precedes the error status');
    // The status message reaches a stock client as plain text (gRPC percent-encoding undone).
    assert.equal(error.details, 'Unknown tool: no_such_tool_xyz');
  });

  test('CallTool simulate_work with progress: progress events in order, then the result last', T, async () => {
    const { events, result, status } = await callTool(mcp, {
      name: 'simulate_work',
      arguments: toStruct({ seconds: 0.3, steps: 3 }),
      progress: true,
    });
    assert.equal(status.code, Status.OK);
    assert.equal(events.at(-1).event, 'result', 'the result is the last event');
    assert.equal(events.filter((e) => e.event === 'result').length, 1, 'exactly one result');
    const progress = events.filter((e) => e.event === 'progress').map((e) => e.progress);
    assert.deepEqual(progress.map((p) => p.progress), [1, 2, 3]);
    for (const [i, p] of progress.entries()) {
      assert.equal(p._total, 'total', 'total is set');
      assert.equal(p.total, 3);
      assert.equal(p.message, `Step ${i + 1} of 3`);
    }
    assert.match(result.content[0].text.text, /^Completed 3 steps/);
  });

  test('CallTool simulate_work without progress streams no progress event', T, async () => {
    const { events } = await callTool(mcp, {
      name: 'simulate_work',
      arguments: toStruct({ seconds: 0.1, steps: 2 }),
    });
    assert.deepEqual(events.map((e) => e.event), ['result']);
  });

  test('a deadline shorter than the work is DEADLINE_EXCEEDED, promptly', T, async () => {
    const started = Date.now();
    await assert.rejects(
      callTool(mcp, { name: 'simulate_work', arguments: toStruct({ seconds: 5, steps: 50 }) }, {
        deadline: Date.now() + 200,
      }),
      grpcError(Status.DEADLINE_EXCEEDED),
    );
    assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);
    // The caller's deadline reaches the tool: whoami sees at most what is left of it.
    const { result } = await callTool(mcp, { name: 'whoami', arguments: toStruct({}) }, {
      deadline: Date.now() + 4_000,
    });
    const me = fromStruct(result.structuredContent);
    assert.equal(me.transport, 'grpc');
    assert.ok(me.deadlineRemainingMs > 0 && me.deadlineRemainingMs <= 4_000,
      `deadlineRemainingMs ${me.deadlineRemainingMs} should reflect the 4 s grpc-timeout`);
  });

  test('call.cancel() mid-call ends it CANCELLED; the server keeps serving', T, async () => {
    const started = Date.now();
    const error = await callTool(mcp, {
      name: 'simulate_work',
      arguments: toStruct({ seconds: 5, steps: 50 }),
      progress: true,
    }, {
      onEvent: (event, call) => { if (event.event === 'progress') call.cancel(); },
    }).then((ok) => assert.fail(`expected CANCELLED, got ${JSON.stringify(ok.events)}`), (e) => e);
    grpcError(Status.CANCELLED)(error);
    assert.ok(error.events.length >= 1 && error.events.every((e) => e.event === 'progress'),
      JSON.stringify(error.events));
    assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);

    assert.deepEqual(await unary(mcp, 'Ping', {}), {});
    const { result } = await callTool(mcp, { name: 'echo', arguments: toStruct({ text: 'after' }) });
    assert.equal(result.content[0].text.text, 'after');
  });

  test('ListResources, ListResourceTemplates, ReadResource of server/info and of the echo template', T, async () => {
    const { resources } = await unary(mcp, 'ListResources', {});
    const info = resources.find((r) => r.uri === 'trident://server/info');
    assert.ok(info, JSON.stringify(resources));
    assert.equal(info.mimeType, 'application/json');
    assert.equal(info._size, undefined, 'size is not set');

    const { resourceTemplates } = await unary(mcp, 'ListResourceTemplates', {});
    assert.deepEqual(resourceTemplates.map((t) => t.uriTemplate), ['trident://echo/{text}']);

    const read = await unary(mcp, 'ReadResource', { uri: 'trident://server/info' });
    assert.equal(read.contents.length, 1);
    const [contents] = read.contents;
    assert.equal(contents.uri, 'trident://server/info');
    assert.equal(contents.body, 'text');
    assert.equal(JSON.parse(contents.text).name, 'trident');

    const echo = await unary(mcp, 'ReadResource', { uri: 'trident://echo/hello' });
    assert.deepEqual(echo.contents.map((c) => [c.uri, c.mimeType, c.body, c.text]),
      [['trident://echo/hello', 'text/plain', 'text', 'hello']]);
  });

  test('ReadResource of an unknown uri is NOT_FOUND / -32002 (or INVALID_ARGUMENT / -32602)', T, async () => {
    await assert.rejects(unary(mcp, 'ReadResource', { uri: 'trident://no/such/resource' }), (error) => {
      const pair = [error.code, trailer(error, 'mcp-error-code')];
      assert.ok(
        [[Status.NOT_FOUND, '-32002'], [Status.INVALID_ARGUMENT, '-32602']].some(
          ([code, mcpCode]) => pair[0] === code && pair[1] === mcpCode),
        `unexpected ${Status[error.code]} / ${pair[1]}: ${error.details}`,
      );
      return true;
    });
  });

  test('ListPrompts and GetPrompt summarize (map arguments)', T, async () => {
    const { prompts } = await unary(mcp, 'ListPrompts', {});
    const summarize = prompts.find((p) => p.name === 'summarize');
    assert.ok(summarize, JSON.stringify(prompts));
    assert.deepEqual(summarize.arguments.map((a) => [a.name, a.required]), [['text', true], ['style', false]]);

    const prompt = await unary(mcp, 'GetPrompt', { name: 'summarize', arguments: { text: 'abc', style: 'detailed' } });
    assert.equal(prompt.description, 'Summary request (detailed)');
    assert.equal(prompt.messages.length, 1);
    assert.equal(prompt.messages[0].role, 'user');
    assert.equal(prompt.messages[0].content.kind, 'text');
    assert.equal(prompt.messages[0].content.text.text, 'Summarize the following text in a detailed style:\n\nabc');
  });

  test('Complete summarize.style "b" offers brief and bullet-points', T, async () => {
    const response = await unary(mcp, 'Complete', {
      promptName: 'summarize', argumentName: 'style', argumentValue: 'b',
    });
    assert.deepEqual(response.values, ['brief', 'bullet-points']);
    assert.equal(response.hasMore, false);
    assert.equal(response._total, 'total');
    assert.equal(response.total, 2);
    await assert.rejects(unary(mcp, 'Complete', { argumentName: 'style', argumentValue: 'b' }),
      grpcError(Status.INVALID_ARGUMENT, -32602));
  });

  test('AuthDiscovery.GetMetadata: RFC 9728 fields, the document as a Struct, the bound port', T, async () => {
    const metadata = await unary(clients.auth, 'GetMetadata', {});
    const document = fromStruct(metadata.document);
    assert.equal(metadata.resource, `http://${server.address}`, 'resource names the port actually bound');
    assert.equal(document.resource, metadata.resource);
    assert.deepEqual(metadata.bearerMethodsSupported, ['header']);
    assert.deepEqual(document.bearer_methods_supported, metadata.bearerMethodsSupported);
    assert.deepEqual(document.authorization_servers, metadata.authorizationServers);
    assert.equal(document.resource_name, metadata.resourceName);
  });

  test('grpc.health.v1.Health/Check: SERVING overall and for mcp.v1.Mcp, NOT_FOUND for others', T, async () => {
    assert.deepEqual(await unary(clients.health, 'Check', { service: '' }), { status: 'SERVING' });
    assert.deepEqual(await unary(clients.health, 'Check', { service: 'mcp.v1.Mcp' }), { status: 'SERVING' });
    await assert.rejects(unary(clients.health, 'Check', { service: 'no.such.Service' }),
      grpcError(Status.NOT_FOUND));
  });

  test('Connect: one MCP session over JSON-RPC envelopes; end() finishes the stream OK', T, async () => {
    const stream = mcp.Connect(new grpc.Metadata());
    const received = [];
    const waiters = [];
    let headers;
    stream.on('metadata', (m) => { headers = m; });
    stream.on('data', (envelope) => {
      received.push(JSON.parse(Buffer.from(envelope.json).toString('utf8')));
      for (const w of [...waiters]) w();
    });
    const status = new Promise((resolve, reject) => {
      let failed;
      stream.on('error', (e) => { failed = e; });
      stream.on('status', (s) => (failed ? reject(failed) : resolve(s)));
    });
    const send = (message) => stream.write({ json: Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message })) });
    const response = (id) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no response to ${id}: ${JSON.stringify(received)}`)), 8_000);
      const check = () => {
        const found = received.find((m) => m.id === id);
        if (!found) return;
        clearTimeout(timer);
        waiters.splice(waiters.indexOf(check), 1);
        resolve(found);
      };
      waiters.push(check);
      check();
    });

    send({ id: 1, method: 'initialize', params: {
      protocolVersion: LATEST_PROTOCOL, capabilities: {}, clientInfo: { name: 'trident-interop-connect', version: '0.0.0' },
    } });
    const init = await response(1);
    assert.equal(init.result?.protocolVersion, LATEST_PROTOCOL, JSON.stringify(init));
    assert.equal(init.result.serverInfo.name, 'trident');
    send({ method: 'notifications/initialized' });

    send({ id: 2, method: 'tools/list' });
    const list = await response(2);
    assert.deepEqual(list.result.tools.map((t) => t.name).sort(), ['echo', 'simulate_work', 'whoami']);

    send({ id: 'three', method: 'tools/call', params: { name: 'echo', arguments: { text: 'over Connect' } } });
    const call = await response('three');
    assert.deepEqual(call.result.content, [{ type: 'text', text: 'over Connect' }]);

    send({ id: 4, method: 'tools/call', params: { name: 'whoami', arguments: {} } });
    assert.equal((await response(4)).result.structuredContent.transport, 'grpc');

    stream.end();
    const final = await status;
    assert.equal(final.code, Status.OK, final.details);
    assert.match(headers?.get('mcp-session-id')?.[0] ?? '', /^[0-9a-f]{32}$/, 'mcp-session-id header');
    // Every message the server sent was a JSON-RPC response to one of ours (no stray notifications).
    assert.deepEqual(received.map((m) => m.id), [1, 2, 'three', 4]);
  });
});
