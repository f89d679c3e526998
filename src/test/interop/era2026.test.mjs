// End-to-end: the official TypeScript SDK 2.x client (@modelcontextprotocol/client, pinned in
// package.json) against the jar, over stdio and Streamable HTTP, in each of its three
// versionNegotiation modes: 'legacy' (the 2025 initialize handshake), 'auto' (server/discover
// probe, then the stateless 2026-07-28 era) and { pin: '2026-07-28' }. The same tool code answers
// an elicitation as a server->client request (legacy) and as an input_required round trip
// (2026). An SDK 1.x client uses the same HTTP server process at the same time.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client as Client1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as Http1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { JAVA, SERVER_CWD, serverArgs, startHttpServer, withTimeout } from './helpers.mjs';

const T = { timeout: 30_000 };
const MODERN = '2026-07-28';
const MODES = [
  ['legacy', 'legacy'],
  ['auto', 'auto'],
  ['pin', { pin: MODERN }],
];

function textOf(result) {
  return result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');
}

/** A 2.x client with an elicitation handler that answers "Ada", in the given mode. */
function newClient(mode) {
  const client = new Client(
    { name: 'trident-interop-v2', version: '0.0.0' },
    { capabilities: { elicitation: {} }, versionNegotiation: { mode } },
  );
  client.setRequestHandler('elicitation/create', async () => ({
    action: 'accept',
    content: { name: 'Ada' },
  }));
  return client;
}

/** What every mode must be able to do against the conformance backend. */
async function exercise(client, modeName) {
  const era = client.getProtocolEra();
  assert.equal(era, modeName === 'legacy' ? 'legacy' : 'modern', `era in mode ${modeName}`);

  const { tools } = await client.listTools();
  assert.ok(tools.some((t) => t.name === 'test_simple_text'));
  const simple = await client.callTool({ name: 'test_simple_text', arguments: {} });
  assert.equal(textOf(simple), 'This is a simple text response for testing.');

  const read = await client.readResource({ uri: 'test://static-text' });
  assert.equal(read.contents[0].text, 'This is the content of the static text resource.');

  const prompt = await client.getPrompt({
    name: 'test_prompt_with_arguments',
    arguments: { arg1: 'a', arg2: 'b' },
  });
  assert.match(JSON.stringify(prompt.messages), /arg1='a'/);

  // Legacy: a server->client elicitation during the call. 2026: input_required, retried by the
  // SDK with inputResponses and the signed requestState, through the same handler.
  const greeted = await client.callTool({ name: 'test_input_required_result_elicitation', arguments: {} });
  assert.equal(textOf(greeted), 'Hello, Ada!');

  if (modeName !== 'legacy') {
    const changes = [];
    client.setNotificationHandler('notifications/tools/list_changed', (n) => { changes.push(n); });
    const subscription = await client.listen({ toolsListChanged: true });
    await client.callTool({ name: 'test_trigger_tool_change', arguments: {} });
    const deadline = Date.now() + 5_000;
    while (changes.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(changes.length >= 1, true, 'no tools/list_changed on the listen stream');
    await subscription.close();
    assert.equal(await subscription.closed, 'local');
  }
}

describe('SDK 2.x over Streamable HTTP, each negotiation mode, SDK 1.x alongside', () => {
  const server = {};
  before(async () => {
    Object.assign(server, await startHttpServer(undefined, { backend: 'conformance' }));
  });
  after(async () => {
    await server.kill?.();
  });

  for (const [name, mode] of MODES) {
    test(`mode ${name}`, T, async () => {
      const client = newClient(mode);
      // A 2025 client of SDK 1.x holds a session on the same server process throughout.
      const old = new Client1({ name: 'trident-interop-v1', version: '0.0.0' }, { capabilities: {} });
      await old.connect(new Http1(new URL(server.url)));
      try {
        await withTimeout(client.connect(new StreamableHTTPClientTransport(new URL(server.url))), 15_000, 'connect');
        const [, oldTools] = await Promise.all([exercise(client, name), old.listTools()]);
        assert.ok(oldTools.tools.some((t) => t.name === 'test_simple_text'));
        assert.equal(old.getServerVersion()?.name, 'trident');
        const oldCall = await old.callTool({ name: 'test_simple_text', arguments: {} });
        assert.equal(textOf(oldCall), 'This is a simple text response for testing.');
      } finally {
        await client.close();
        await old.close();
      }
    });
  }
});

describe('SDK 2.x over stdio, each negotiation mode', () => {
  for (const [name, mode] of MODES) {
    test(`mode ${name}`, T, async () => {
      const client = newClient(mode);
      const transport = new StdioClientTransport({
        command: JAVA,
        args: serverArgs('conformance'),
        cwd: SERVER_CWD,
        stderr: 'ignore',
      });
      try {
        await withTimeout(client.connect(transport), 20_000, 'connect');
        await exercise(client, name);
      } finally {
        await client.close();
      }
    });
  }
});
