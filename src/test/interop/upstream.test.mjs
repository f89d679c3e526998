// Upstream gRPC tools (SPEC.md §8) seen by the official MCP TypeScript SDK client: the jar in front of
// the sample upstream (trident.test.upstream.v1.Inventory, served by grpc-java through
// scripts/sample-upstream), over stdio and Streamable HTTP. The SDK client checks every
// structuredContent against the outputSchema it listed, so a schema that disagrees with the printed
// result fails here. Inventory.Echo answers with exactly the message it received, so a result equal
// to the arguments proves that the upstream received exactly what the client sent.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { JAR, VERBOSE, connectSdk, connectHttp, startHttpServer, withTimeout } from './helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const descriptorSet = path.join(root, 'target/test-descriptors/upstream-test.binpb');

let upstream;
let upstreamExited;
let configDir;
let configFile;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

before(async () => {
  assert.ok(existsSync(descriptorSet), `${descriptorSet} is missing: build the test sources first`);
  const port = await freePort();
  upstream = spawn(path.join(root, 'scripts/sample-upstream'), [String(port)], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  upstreamExited = new Promise((resolve) => upstream.on('exit', resolve));
  let stderr = '';
  await withTimeout(
    new Promise((resolve, reject) => {
      upstream.stderr.on('data', (chunk) => {
        stderr += chunk.toString();
        if (VERBOSE) process.stderr.write(chunk);
        if (stderr.includes('sample upstream')) resolve();
      });
      upstream.on('exit', (code) => reject(new Error(`sample upstream exited with ${code}\n${stderr}`)));
    }),
    120_000,
    'the sample upstream',
  );
  configDir = mkdtempSync(path.join(tmpdir(), 'trident-upstream-interop-'));
  configFile = path.join(configDir, 'trident.yaml');
  writeFileSync(
    configFile,
    [
      'upstreams:',
      '  - name: sample',
      `    target: 127.0.0.1:${port}`,
      `    descriptorSet: ${JSON.stringify(descriptorSet)}`,
      '    insecure: true',
      '    timeout: 30s', // a cold upstream and server on a loaded CI machine; no test here waits on it
      '    forwardMetadata: [traceparent]',
      '',
    ].join('\n'),
  );
});

after(async () => {
  if (upstream && upstream.exitCode === null) {
    upstream.kill('SIGTERM');
    await upstreamExited;
  }
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

// Every field kind of the Rich message, in protobuf's JSON mapping (lowerCamelCase names, 64-bit
// integers as strings, enums by name, well-known types in their JSON forms).
const RICH = {
  title: 'hammer',
  count: 3,
  big: '9007199254740993',
  unsignedBig: '18446744073709551615',
  fixedBig: '42',
  small: 7,
  flag: true,
  ratio: 0.5,
  precise: 3.141592653589793,
  blob: 'aGVsbG8=',
  shade: 'SHADE_DARK',
  category: 'CATEGORY_GARDEN',
  dimensions: { widthCm: 10.5, heightCm: 2 },
  tags: ['a', 'b'],
  boxes: [{ widthCm: 1, heightCm: 2 }],
  stockBySite: { paris: '12', lyon: '-3' },
  boxesById: { 7: { widthCm: 3, heightCm: 4 } },
  choiceBox: { widthCm: 5, heightCm: 6 },
  nickname: 'hammy',
  rank: 0,
  createdAt: '2026-01-01T00:00:00.005Z',
  ttl: '3.500s', // canonical form: 0, 3, 6 or 9 fractional digits
  attributes: { colour: 'red', sizes: [1, 2], nested: { ok: true } },
  anything: ['x', 1, null],
  list: [1, 'two'],
  mask: 'title,dimensions.widthCm',
  maybeBig: '5',
  maybeText: 'maybe',
  maybeFlag: false,
  tree: { label: 'root', children: [{ label: 'leaf', children: [{ label: 'deeper' }] }] },
  shades: ['SHADE_LIGHT', 'SHADE_DARK'],
};

// Results print every field, zero values included (SPEC.md §8.3): a default-valued field the
// arguments left out is expected; anything else must be exactly what was sent.
function isDefault(value) {
  if (Array.isArray(value)) return value.length === 0;
  if (value !== null && typeof value === 'object') return Object.keys(value).length === 0;
  return value === '' || value === 0 || value === '0' || value === false || value === null
    || (typeof value === 'string' && value.endsWith('_UNSPECIFIED'));
}

function assertSentPlusDefaults(actual, sent, where = 'result') {
  if (sent === null || typeof sent !== 'object' || Array.isArray(sent)) {
    if (Array.isArray(sent)) {
      assert.ok(Array.isArray(actual) && actual.length === sent.length, `${where}: ${JSON.stringify(actual)}`);
      sent.forEach((item, i) => assertSentPlusDefaults(actual[i], item, `${where}[${i}]`));
    } else {
      assert.deepEqual(actual, sent, where);
    }
    return;
  }
  assert.ok(actual !== null && typeof actual === 'object', `${where}: ${JSON.stringify(actual)}`);
  for (const [key, value] of Object.entries(sent)) {
    assertSentPlusDefaults(actual[key], value, `${where}.${key}`);
  }
  for (const [key, value] of Object.entries(actual)) {
    if (!(key in sent)) assert.ok(isDefault(value), `${where}.${key} was not sent but is ${JSON.stringify(value)}`);
  }
}

async function exercise(client) {
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name);
  for (const name of ['sample_GetItem', 'sample_Inventory_Echo', 'sample_Audit_Echo', 'sample_Slow', 'sample_Fail']) {
    assert.ok(names.includes(name), `${name} listed (got ${names.join(', ')})`);
  }
  assert.ok(!names.some((n) => n.includes('Watch')), 'a streaming method is not a tool');
  for (const tool of tools.filter((t) => t.name.startsWith('sample_'))) {
    assert.match(tool.name, /^[A-Za-z0-9_-]{1,64}$/);
    assert.equal(tool.inputSchema.type, 'object');
    assert.equal(tool.outputSchema?.type, 'object', `${tool.name} has an output schema`);
  }
  const echoTool = tools.find((t) => t.name === 'sample_Inventory_Echo');
  assert.ok(echoTool.description.length > 0);

  // The SDK validates structuredContent against the listed outputSchema before returning it.
  const echoed = await client.callTool({ name: 'sample_Inventory_Echo', arguments: RICH });
  assert.notEqual(echoed.isError, true, JSON.stringify(echoed.content));
  assertSentPlusDefaults(echoed.structuredContent, RICH);
  assert.equal(echoed.content[0].type, 'text');
  assert.deepEqual(JSON.parse(echoed.content[0].text), echoed.structuredContent);

  const item = await client.callTool({ name: 'sample_GetItem', arguments: { sku: 'H-1' } });
  assert.notEqual(item.isError, true, JSON.stringify(item.content));
  assert.deepEqual(item.structuredContent, {
    sku: 'H-1',
    name: 'Claw hammer',
    quantity: '9007199254740993',
    category: 'CATEGORY_TOOLS',
    updatedAt: '2026-01-01T00:00:00.005Z',
  });

  // A bad argument is a tool error that names the field, not a protocol error.
  const bad = await client.callTool({ name: 'sample_Inventory_Echo', arguments: { count: 'many' } });
  assert.equal(bad.isError, true);
  assert.match(bad.content[0].text, /count/);

  // An upstream failure says its status and nothing of the upstream's own text.
  const failed = await client.callTool({ name: 'sample_Fail', arguments: { status: 'NOT_FOUND' } });
  assert.equal(failed.isError, true);
  const text = JSON.stringify(failed.content);
  assert.match(text, /NOT_FOUND/);
  for (const leak of ['db-7', 'hunter2', 'InventoryDao', '127.0.0.1']) {
    assert.ok(!text.includes(leak), `no upstream detail (${leak}) reaches the client: ${text}`);
  }
}

test('upstream tools over stdio: listed with schemas the SDK accepts, rich round trip, safe errors', async (t) => {
  const { client, finish } = await connectSdk(t, {
    args: ['-jar', JAR, '--transport', 'stdio', '--config', configFile],
  });
  await exercise(client);
  await finish();
});

test('upstream tools over Streamable HTTP: the same', async (t) => {
  const server = await startHttpServer(t, { extraArgs: ['--config', configFile] });
  const { client, finish } = await connectHttp(t, server.url);
  await exercise(client);
  await finish();
});
