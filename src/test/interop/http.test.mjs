// End-to-end: the official MCP TypeScript SDK client drives `java -jar trident.jar --transport http`
// through its StreamableHTTPClientTransport. Each suite starts one server on a free loopback port
// (--port 0) and kills it afterwards; every test opens its own client, hence its own MCP session.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { CreateMessageRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';

import { connectHttp, isMcpError, LATEST_PROTOCOL, sleep, startHttpServer } from './helpers.mjs';

const T = { timeout: 10_000 };

function textOf(result) {
  assert.ok(Array.isArray(result.content), `content must be an array: ${JSON.stringify(result)}`);
  return result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');
}

/** One server for the whole suite: before() starts it, after() kills it. */
function serverForSuite(backend) {
  const holder = {};
  before(async () => {
    Object.assign(holder, await startHttpServer(undefined, { backend }));
  });
  after(async () => {
    await holder.kill?.();
  });
  return holder;
}

describe('Streamable HTTP, default backend', () => {
  const server = serverForSuite('default');

  test('initialize gives a session id; tools/list has echo, whoami, simulate_work', T, async (t) => {
    const h = await connectHttp(t, server.url);
    assert.equal(h.client.getServerVersion()?.name, 'trident');
    assert.equal(h.protocolVersion(), LATEST_PROTOCOL);
    assert.equal(typeof h.transport.sessionId, 'string', 'no Mcp-Session-Id after initialize');
    assert.ok(h.transport.sessionId.length > 0);

    const { tools } = await h.client.listTools();
    const names = tools.map((tool) => tool.name);
    for (const name of ['echo', 'whoami', 'simulate_work']) {
      assert.ok(names.includes(name), `tool ${name} missing from ${names.join(', ')}`);
    }
    // Every request after initialize carried the session id and the negotiated protocol version.
    const posts = h.requests.filter((r) => r.method === 'POST');
    assert.ok(posts.length >= 3, JSON.stringify(h.requests));
    for (const request of posts.slice(1)) {
      assert.equal(request.headers['mcp-session-id'], h.transport.sessionId);
      assert.equal(request.headers['mcp-protocol-version'], LATEST_PROTOCOL);
    }
    await h.finish();
  });

  test('tools/call echo returns the text', T, async (t) => {
    const h = await connectHttp(t, server.url);
    const result = await h.client.callTool({ name: 'echo', arguments: { text: 'hello' } });
    assert.deepEqual(result.content, [{ type: 'text', text: 'hello' }]);
    assert.notEqual(result.isError, true);
    await h.finish();
  });

  test('whoami reports transport "http" in structuredContent', T, async (t) => {
    const h = await connectHttp(t, server.url);
    await h.client.listTools();
    const result = await h.client.callTool({ name: 'whoami', arguments: {} });
    assert.notEqual(result.isError, true, JSON.stringify(result));
    assert.ok(result.structuredContent, `structuredContent missing: ${JSON.stringify(result)}`);
    assert.equal(result.structuredContent.transport, 'http');
    await h.finish();
  });

  test('tools/call of an unknown tool rejects with McpError -32602', T, async (t) => {
    const h = await connectHttp(t, server.url);
    await assert.rejects(
      h.client.callTool({ name: 'no_such_tool_xyz', arguments: {} }),
      (error) => {
        assert.ok(error instanceof McpError, `expected McpError, got ${error}`);
        return isMcpError(-32602)(error);
      },
    );
    const result = await h.client.callTool({ name: 'echo', arguments: { text: 'after' } });
    assert.deepEqual(result.content, [{ type: 'text', text: 'after' }]);
    await h.finish();
  });

  test('simulate_work streams increasing progress notifications before its result', T, async (t) => {
    const h = await connectHttp(t, server.url);
    const updates = [];
    const result = await h.client.callTool(
      { name: 'simulate_work', arguments: { seconds: 0.3, steps: 3 } },
      undefined,
      { onprogress: (p) => updates.push(p) },
    );
    assert.notEqual(result.isError, true, JSON.stringify(result));

    const call = h.sent.find((m) => m.method === 'tools/call');
    const token = call.params._meta?.progressToken;
    assert.ok(token !== undefined, JSON.stringify(call));

    const responseIndex = h.received.findIndex((m) => m.id === call.id && ('result' in m || 'error' in m));
    assert.ok(responseIndex >= 0, 'no response received');
    const progressIndexes = [];
    h.received.forEach((m, i) => {
      if (m.method === 'notifications/progress' && m.params?.progressToken === token) progressIndexes.push(i);
    });
    const wire = progressIndexes.map((i) => h.received[i].params);
    assert.ok(wire.length >= 3, `expected >= 3 progress notifications, got ${JSON.stringify(wire)}`);
    for (let i = 1; i < wire.length; i++) {
      assert.ok(wire[i].progress > wire[i - 1].progress, `progress not increasing: ${JSON.stringify(wire)}`);
    }
    for (const p of wire) {
      if (p.total !== undefined) assert.ok(p.progress <= p.total, `progress beyond total: ${JSON.stringify(p)}`);
    }
    assert.ok(progressIndexes.every((i) => i < responseIndex), 'a progress notification came after the response');
    // Progress before the result turns the POST's answer into an SSE stream.
    const post = h.requests.find((r) => r.method === 'POST' && r.body?.method === 'tools/call');
    assert.match(String(post?.contentType), /^text\/event-stream/, JSON.stringify(post));

    // As over stdio (see stdio.test.mjs): SDK 1.27.1 may drop a last progress notification that was
    // read together with the response and report it to onerror as an "unknown token"
    // (modelcontextprotocol/typescript-sdk#2580). What onprogress saw is a prefix of the wire.
    assert.ok(updates.length >= 1, 'onprogress was never called');
    assert.deepEqual(updates.map((u) => u.progress), wire.slice(0, updates.length).map((p) => p.progress));
    await h.finish({ ignore: [/progress notification for an unknown token/] });
  });

  test('aborting simulate_work rejects, sends notifications/cancelled, ping still works', T, async (t) => {
    const h = await connectHttp(t, server.url);
    const controller = new AbortController();
    const started = Date.now();
    const timer = setTimeout(() => controller.abort('test cancel'), 300);
    t.after(() => clearTimeout(timer));
    await assert.rejects(
      h.client.callTool({ name: 'simulate_work', arguments: { seconds: 30, steps: 30 } }, undefined, {
        signal: controller.signal,
      }),
    );
    assert.ok(Date.now() - started < 5_000, 'the call should reject promptly after abort');

    const call = h.sent.find((m) => m.method === 'tools/call');
    const cancelled = h.sent.find((m) => m.method === 'notifications/cancelled');
    assert.ok(cancelled, `notifications/cancelled not sent: ${JSON.stringify(h.sent.map((m) => m.method))}`);
    assert.equal(cancelled.params.requestId, call.id);

    await h.client.ping();
    const echo = await h.client.callTool({ name: 'echo', arguments: { text: 'still alive' } });
    assert.deepEqual(echo.content, [{ type: 'text', text: 'still alive' }]);

    // The server answered the cancelled call with nothing (no result, no error) in the meantime.
    await sleep(200);
    assert.equal(h.received.filter((m) => m.id === call.id).length, 0,
      `a response to the cancelled request arrived: ${JSON.stringify(h.received.filter((m) => m.id === call.id))}`);
    await h.finish();
  });

  test('the HTTP response to a cancelled request has a JSON or SSE content type', T, async (t) => {
    const h = await connectHttp(t, server.url);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort('test cancel'), 300);
    t.after(() => clearTimeout(timer));
    await assert.rejects(h.client.callTool({ name: 'simulate_work', arguments: { seconds: 30, steps: 30 } },
      undefined, { signal: controller.signal }));
    await h.client.ping();
    // The cancelled POST's answer and the ping's travel on different connections: give the first
    // a moment to be recorded rather than race the two.
    const answered = () => h.requests.find((r) => r.method === 'POST' && r.body?.method === 'tools/call');
    for (let i = 0; i < 100 && answered()?.status === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const post = answered();
    assert.ok(post?.status !== undefined, `no answer to the tools/call POST: ${JSON.stringify(h.requests)}`);
    assert.match(String(post.contentType), /^(application\/json|text\/event-stream)/,
      `tools/call POST answered ${post.status} with Content-Type ${post.contentType}`);
    await h.finish();
  });

  test('resources/read trident://server/info returns JSON text', T, async (t) => {
    const h = await connectHttp(t, server.url);
    const read = await h.client.readResource({ uri: 'trident://server/info' });
    assert.ok(read.contents.length >= 1, JSON.stringify(read));
    const [content] = read.contents;
    assert.equal(content.uri, 'trident://server/info');
    assert.equal(typeof content.text, 'string', `expected text contents: ${JSON.stringify(content)}`);
    let parsed;
    assert.doesNotThrow(() => { parsed = JSON.parse(content.text); }, `not JSON: ${content.text}`);
    assert.ok(parsed !== null && typeof parsed === 'object');
    await h.finish();
  });

  test('prompts/get summarize carries the text argument', T, async (t) => {
    const h = await connectHttp(t, server.url);
    const prompt = await h.client.getPrompt({ name: 'summarize', arguments: { text: 'abc' } });
    assert.ok(Array.isArray(prompt.messages) && prompt.messages.length > 0, JSON.stringify(prompt));
    for (const message of prompt.messages) {
      assert.ok(['user', 'assistant'].includes(message.role), `bad role ${message.role}`);
    }
    assert.ok(JSON.stringify(prompt.messages).includes('abc'), JSON.stringify(prompt.messages));
    await h.finish();
  });

  test('two clients at once get different sessions and both work', T, async (t) => {
    const [a, b] = await Promise.all([connectHttp(t, server.url), connectHttp(t, server.url)]);
    assert.equal(typeof a.transport.sessionId, 'string');
    assert.equal(typeof b.transport.sessionId, 'string');
    assert.notEqual(a.transport.sessionId, b.transport.sessionId);
    const [ra, rb] = await Promise.all([
      a.client.callTool({ name: 'echo', arguments: { text: 'from a' } }),
      b.client.callTool({ name: 'echo', arguments: { text: 'from b' } }),
    ]);
    assert.deepEqual(ra.content, [{ type: 'text', text: 'from a' }]);
    assert.deepEqual(rb.content, [{ type: 'text', text: 'from b' }]);
    await a.finish();
    await b.finish();
  });

  test('terminateSession (DELETE) ends the session: the old id then gets 404', T, async (t) => {
    const h = await connectHttp(t, server.url);
    await h.client.ping();
    const oldId = h.transport.sessionId;
    assert.equal(typeof oldId, 'string');

    await h.transport.terminateSession();
    const del = h.requests.find((r) => r.method === 'DELETE');
    assert.ok(del, `no DELETE sent: ${JSON.stringify(h.requests)}`);
    assert.equal(del.headers['mcp-session-id'], oldId);
    assert.equal(del.status, 200, `DELETE answered ${del.status}`);
    assert.equal(h.transport.sessionId, undefined, 'the SDK forgets the id after a successful DELETE');
    // Stop the SDK before it tries to reopen its GET stream without a session.
    await h.close();

    const response = await fetch(server.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        'Mcp-Session-Id': oldId,
        'MCP-Protocol-Version': LATEST_PROTOCOL,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    const body = await response.text();
    assert.equal(response.status, 404, `POST with a terminated session id answered ${response.status}: ${body}`);
  });
});

describe('Streamable HTTP, conformance backend', () => {
  const server = serverForSuite('conformance');

  test('test_sampling: sampling/createMessage is answered by the client handler', T, async (t) => {
    const requests = [];
    const ids = [];
    const h = await connectHttp(t, server.url, {
      capabilities: { sampling: {} },
      setup: (client) => client.setRequestHandler(CreateMessageRequestSchema, async (request, extra) => {
        requests.push(request);
        ids.push(extra.requestId);
        return { role: 'assistant', content: { type: 'text', text: 'hi over http' }, model: 'test' };
      }),
    });
    const result = await h.client.callTool({ name: 'test_sampling', arguments: { prompt: 'Say hi' } });
    assert.notEqual(result.isError, true, JSON.stringify(result));
    assert.equal(textOf(result), 'LLM response: hi over http');
    assert.equal(requests.length, 1, 'exactly one sampling request');
    assert.ok(Array.isArray(requests[0].params.messages) && requests[0].params.messages.length > 0);
    // The client's answer went back as its own POST (a JSON-RPC response, no method).
    const answer = h.sent.find((m) => m.id === ids[0] && m.method === undefined && 'result' in m);
    assert.ok(answer, `the sampling answer was not sent: ${JSON.stringify(h.sent)}`);
    const answerPost = h.requests.find((r) => r.method === 'POST' && r.body?.id === ids[0] && 'result' in r.body);
    // The tool may finish before the 202 for the answer's own POST reached us.
    for (let i = 0; i < 40 && answerPost?.status === undefined; i++) await sleep(50);
    assert.equal(answerPost?.status, 202, `the answer's POST: ${JSON.stringify(answerPost)}`);
    await h.finish();
  });

  test('test_reconnection: the SDK resumes the closed stream with GET + Last-Event-ID', T, async (t) => {
    const h = await connectHttp(t, server.url);
    const result = await h.client.callTool({ name: 'test_reconnection', arguments: {} });
    assert.notEqual(result.isError, true, JSON.stringify(result));
    assert.match(textOf(result), /^Reconnection test completed successfully/);

    const resumes = h.requests.filter((r) => r.method === 'GET' && r.headers['last-event-id']);
    assert.ok(resumes.length >= 1, `no GET with Last-Event-ID: ${JSON.stringify(h.requests)}`);
    assert.equal(resumes[0].status, 200, JSON.stringify(resumes[0]));
    assert.equal(resumes[0].headers['mcp-session-id'], h.transport.sessionId);
    await h.finish();
  });
});
