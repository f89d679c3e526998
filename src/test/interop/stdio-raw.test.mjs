// End-to-end: the jar's stdio framing driven by hand through node:child_process, for what the SDK
// client never sends (garbage, requests before initialize, stdin closed mid-call, raw cancellation).
// Every test ends by checking that stdout carried nothing but JSON lines.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { LATEST_PROTOCOL, RawServer, sleep } from './helpers.mjs';

const T = { timeout: 10_000 };

function assertOnlyJson(server) {
  assert.deepEqual(server.nonJson, [], 'stdout must carry only JSON-RPC lines');
  for (const message of server.messages) {
    assert.equal(message.jsonrpc, '2.0', `not a JSON-RPC 2.0 message: ${JSON.stringify(message)}`);
  }
}

async function closeCleanly(server) {
  const exit = await server.closeStdin(4_000);
  assert.equal(exit.code, 0, `exit ${JSON.stringify(exit)}\n--- stderr ---\n${server.stderrText.slice(-4000)}`);
  assertOnlyJson(server);
  return exit;
}

describe('stdio framing', () => {
  test('a non-JSON line gets -32700 with id null, and the reader keeps going', T, async (t) => {
    const server = new RawServer(t);
    server.send('not json');
    server.send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: LATEST_PROTOCOL, capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
    });
    const [first, second] = await server.waitForCount(2, 8_000);

    assert.equal(first.jsonrpc, '2.0');
    assert.equal(first.id, null, `parse error must carry id null: ${JSON.stringify(first)}`);
    assert.equal(first.error?.code, -32700, JSON.stringify(first));
    assert.equal(typeof first.error.message, 'string');
    assert.equal(first.result, undefined);

    assert.equal(second.id, 1, JSON.stringify(second));
    assert.equal(second.error, undefined, JSON.stringify(second));
    assert.equal(second.result?.protocolVersion, LATEST_PROTOCOL);
    assert.equal(second.result.serverInfo?.name, 'trident');
    assert.ok(second.result.capabilities, 'capabilities missing');

    server.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const pong = await server.request(2, 'ping');
    assert.deepEqual(pong.result, {});
    await closeCleanly(server);
  });

  test('a request before initialize gets -32600, and initialize still works afterwards', T, async (t) => {
    const server = new RawServer(t);
    server.send('{"jsonrpc":"2.0","id":1,"method":"tools/list"}');
    const early = await server.response(1);
    assert.equal(early.error?.code, -32600, JSON.stringify(early));
    assert.equal(early.result, undefined);

    const init = await server.initialize(LATEST_PROTOCOL, 2);
    assert.equal(init.result?.protocolVersion, LATEST_PROTOCOL, JSON.stringify(init));
    const list = await server.request(3, 'tools/list');
    assert.ok(Array.isArray(list.result?.tools), JSON.stringify(list));
    assert.ok(list.result.tools.some((tool) => tool.name === 'echo'));
    await closeCleanly(server);
  });

  test('unknown method -> -32601; unknown notification is ignored; string ids are echoed', T, async (t) => {
    const server = new RawServer(t);
    await server.initialize();
    server.send({ jsonrpc: '2.0', method: 'notifications/no_such_thing', params: {} });
    const unknown = await server.request('req-α', 'no/such/method', {});
    assert.equal(unknown.error?.code, -32601, JSON.stringify(unknown));
    const pong = await server.request('p', 'ping');
    assert.deepEqual(pong.result, {});
    // Nothing answered the notification: the only responses are initialize, unknown method, ping.
    const responses = server.messages.filter((m) => 'id' in m);
    assert.deepEqual(responses.map((m) => m.id), ['init', 'req-α', 'p'], JSON.stringify(server.messages));
    await closeCleanly(server);
  });

  test('a 1 MiB message round-trips; a line over 4 MiB is refused with -32600 and reading goes on', T, async (t) => {
    const server = new RawServer(t);
    await server.initialize();
    const big = 'x'.repeat(1024 * 1024);
    const echoed = await server.request('big', 'tools/call', { name: 'echo', arguments: { text: big } });
    assert.equal(echoed.result?.content?.[0]?.text, big, 'the 1 MiB echo came back altered');

    const huge = JSON.stringify({ jsonrpc: '2.0', id: 'huge', method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'y'.repeat(5 * 1024 * 1024) } } });
    server.send(huge);
    // Blank lines (and a CRLF-terminated one) are not messages.
    server.send('');
    server.send('   ');
    server.child.stdin.write('{"jsonrpc":"2.0","id":"crlf","method":"ping"}\r\n');
    const refused = await server.waitFor((m) => m.error && m.id === null, 8_000, 'the refusal of the long line');
    assert.equal(refused.error.code, -32600, JSON.stringify(refused));
    const pong = await server.response('crlf');
    assert.deepEqual(pong.result, {});
    assert.equal(server.messages.find((m) => m.id === 'huge'), undefined, 'the refused line must not be executed');
    assert.equal(server.messages.filter((m) => m.error && m.id === null).length, 1, 'blank lines must not be answered');
    await closeCleanly(server);
  });

  // Three JVMs start at once here: on a loaded 2-core machine that alone can take over 10 s.
  test('protocol version negotiation: older supported versions are echoed, unknown ones get the latest', { timeout: 30_000 }, async (t) => {
    const cases = [
      ['2025-06-18', '2025-06-18'],
      ['2025-03-26', '2025-03-26'],
      ['1999-01-01', LATEST_PROTOCOL],
    ];
    const servers = cases.map(() => new RawServer(t));
    const answers = await Promise.all(servers.map((server, i) => server.initialize(cases[i][0])));
    for (let i = 0; i < cases.length; i++) {
      assert.equal(answers[i].result?.protocolVersion, cases[i][1],
        `asked ${cases[i][0]}: ${JSON.stringify(answers[i])}`);
    }
    await Promise.all(servers.map(closeCleanly));
  });
});

describe('stdio lifecycle', () => {
  test('closing stdin of an idle session exits 0 within 2 s', T, async (t) => {
    const server = new RawServer(t);
    await server.initialize();
    const exit = await closeCleanly(server);
    assert.ok(exit.elapsedMs < 2_000, `exit took ${exit.elapsedMs} ms`);
  });

  test('closing stdin with simulate_work in flight drains for 2 s, then cancels it and exits 0', T, async (t) => {
    const server = new RawServer(t);
    await server.initialize();
    server.send({
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'simulate_work', arguments: { seconds: 30, steps: 30 }, _meta: { progressToken: 'tok' } },
    });
    // Wait until the call is really running (its first progress notification).
    await server.waitFor((m) => m.method === 'notifications/progress' && m.params?.progressToken === 'tok',
      5_000, 'the first progress notification');
    const exit = await closeCleanly(server);
    // stdio.drainGrace (2 s) for the call to finish, then it is cancelled: no response for it.
    assert.ok(exit.elapsedMs >= 1_900 && exit.elapsedMs < 3_500, `exit took ${exit.elapsedMs} ms`);
    assert.equal(server.messages.find((m) => m.id === 7), undefined, 'a cancelled call gets no response');
  });

  test('notifications/cancelled stops the work and suppresses the response', T, async (t) => {
    const server = new RawServer(t);
    await server.initialize();
    server.send({
      jsonrpc: '2.0',
      id: 'slow',
      method: 'tools/call',
      params: { name: 'simulate_work', arguments: { seconds: 6, steps: 60 }, _meta: { progressToken: 42 } },
    });
    await server.waitFor((m) => m.method === 'notifications/progress' && m.params?.progressToken === 42,
      5_000, 'the first progress notification');
    server.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'slow', reason: 'test' } });

    const pong = await server.request('after-cancel', 'ping');
    assert.deepEqual(pong.result, {});

    // Allow notifications already in the pipe to drain, then watch for more.
    await sleep(300);
    const seenBefore = server.messages.length;
    await sleep(1_200);
    const later = server.messages.slice(seenBefore);
    assert.deepEqual(later, [], 'nothing should arrive for a cancelled call (no progress, no response)');
    assert.equal(server.messages.find((m) => m.id === 'slow'), undefined,
      'a cancelled request should get no response');
    await closeCleanly(server);
  });
});
