// Three Trident instances behind HAProxy (round robin per request, no stickiness), one Redis;
// started by run.sh, which passes the load balancer's URL ($SCALE_LB_URL) and the instances
// ($SCALE_INSTANCES: [{ tag, pid, port }]). Plain fetch, so that every HTTP request is visible.

import assert from 'node:assert/strict';
import { test } from 'node:test';

const LB = process.env.SCALE_LB_URL;
const INSTANCES = JSON.parse(process.env.SCALE_INSTANCES || '[]');
const SESSIONS = Number(process.env.SCALE_SESSIONS || 10_000);

const JSON_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

async function post(session, message) {
  const headers = { ...JSON_HEADERS };
  if (session) {
    headers['mcp-session-id'] = session;
    headers['mcp-protocol-version'] = '2025-11-25';
  }
  return fetch(LB, { method: 'POST', headers, body: JSON.stringify(message) });
}

async function openSession() {
  const init = await post(null, {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'scale', version: '1' } },
  });
  const body = await init.text();
  assert.equal(init.status, 200, body);
  const session = init.headers.get('mcp-session-id');
  const initialized = await post(session, { jsonrpc: '2.0', method: 'notifications/initialized' });
  assert.equal(initialized.status, 202);
  await initialized.arrayBuffer();
  return session;
}

/** SSE events of a response, as { id, data } (data parsed), one at a time. */
async function* events(response) {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let id = null;
      let data = null;
      for (const line of block.split('\n')) {
        if (line.startsWith('id: ')) id = line.slice(4);
        if (line.startsWith('data: ')) data = line.slice(6);
      }
      if (data) yield { id, data: JSON.parse(data) };
    }
  }
}

async function echo(session, id, text) {
  const r = await post(session, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text } } });
  const body = await r.text();
  assert.equal(r.status, 200, body);
  assert.equal(JSON.parse(body).result.content[0].text, text);
}

async function pool(count, concurrency, work) {
  let next = 0;
  const workers = Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const i = next++;
      await work(i);
    }
  });
  await Promise.all(workers);
}

test(`${SESSIONS} sessions opened through the load balancer are all usable from any instance`, { timeout: 600_000 }, async () => {
  const sessions = new Array(SESSIONS);
  const started = Date.now();
  await pool(SESSIONS, 64, async (i) => {
    sessions[i] = await openSession();
  });
  const opened = Date.now();
  // Round robin sends each of these to another instance than the one that opened the session.
  await pool(SESSIONS, 64, async (i) => {
    await echo(sessions[i], 1, `s${i}`);
    const ping = await post(sessions[i], { jsonrpc: '2.0', id: 2, method: 'ping' });
    assert.equal(ping.status, 200);
    await ping.arrayBuffer();
  });
  console.log(`# ${SESSIONS} sessions opened in ${opened - started} ms, used in ${Date.now() - opened} ms`);
});

test('an instance killed while a tool streams progress: resume through the load balancer gets every stored event, then instance_lost', { timeout: 120_000 }, async () => {
  const session = await openSession();
  const call = await post(session, {
    jsonrpc: '2.0',
    id: 42,
    method: 'tools/call',
    params: { name: 'simulate_work', arguments: { seconds: 60, steps: 120 }, _meta: { progressToken: 'p' } },
  });
  assert.equal(call.status, 200);
  assert.match(call.headers.get('content-type'), /text\/event-stream/);
  const seen = [];
  const reader = events(call);
  while (seen.length < 4) {
    const { value } = await reader.next();
    if (value.data.method === 'notifications/progress') seen.push(value);
  }
  const last = seen[seen.length - 1];
  const stream = last.id.slice(0, last.id.lastIndexOf('-'));
  const tag = Number(BigInt(stream) >> 32n);
  const owner = INSTANCES.find((i) => i.tag === tag);
  assert.ok(owner, `no instance with tag ${tag} in ${JSON.stringify(INSTANCES)}`);
  // Let the events of the last second reach Redis, then kill the instance running the tool.
  await new Promise((r) => setTimeout(r, 700));
  process.kill(owner.pid, 'SIGKILL');
  reader.return?.();

  const resumed = await fetch(LB, {
    headers: {
      accept: 'text/event-stream',
      'mcp-session-id': session,
      'mcp-protocol-version': '2025-11-25',
      'last-event-id': last.id,
    },
  });
  assert.equal(resumed.status, 200);
  const after = [];
  for await (const e of events(resumed)) after.push(e);
  assert.ok(after.length >= 1, 'no event after the resume');
  const seqs = after.map((e) => Number(e.id.slice(e.id.lastIndexOf('-') + 1)));
  const first = Number(last.id.slice(last.id.lastIndexOf('-') + 1));
  assert.deepEqual(seqs, seqs.map((_, i) => first + 1 + i), `in order, no gap: ${seqs}`);
  for (const e of after.slice(0, -1)) assert.equal(e.data.method, 'notifications/progress');
  const end = after[after.length - 1].data;
  assert.equal(end.id, 42);
  assert.equal(end.error.code, -32603);
  assert.equal(end.error.data.reason, 'instance_lost');
  console.log(`# resumed after ${last.id}: ${after.length - 1} stored progress events, then instance_lost`);

  // The session and every other request go on on the survivors.
  for (let i = 0; i < 6; i++) await echo(session, 100 + i, `after-${i}`);
});
