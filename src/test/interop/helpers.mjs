// Shared helpers for the Trident interop tests.
//
// Ways of talking to the jar:
//  - connectSdk(): the official MCP TypeScript SDK client over StdioClientTransport;
//  - RawServer: node:child_process directly, for what the SDK will not send
//    (garbage lines, requests before initialize, closing stdin mid-call);
//  - startHttpServer() + connectHttp(): the jar as a Streamable HTTP server on a free loopback
//    port, and the SDK client over StreamableHTTPClientTransport.
//
// The jar is taken from $TRIDENT_JAR, else ../../../target/trident.jar relative
// to this folder. Set TRIDENT_INTEROP_VERBOSE=1 to see the server's stderr live.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export const JAR = process.env.TRIDENT_JAR
  ? path.resolve(process.env.TRIDENT_JAR)
  : path.resolve(here, '../../../target/trident.jar');

export const JAVA = process.env.TRIDENT_JAVA || 'java';

export const VERBOSE = !!process.env.TRIDENT_INTEROP_VERBOSE;

export const LATEST_PROTOCOL = '2025-11-25';

// The server reads conf/trident.yaml relative to its working directory and TRIDENT_CONFIG /
// TRIDENT_BACKEND from the environment; run it from this folder without those so that the tests
// see the built-in defaults whoever runs them from wherever.
export const SERVER_CWD = here;

function serverEnv() {
  const env = { ...process.env };
  delete env.TRIDENT_CONFIG;
  delete env.TRIDENT_BACKEND;
  return env;
}

export function serverArgs(backend = 'default') {
  return ['-jar', JAR, '--transport', 'stdio', '--backend', backend];
}

export function assertJarExists() {
  if (!existsSync(JAR)) {
    throw new Error(`Trident jar not found at ${JAR}: build it first (mvn -B -q -o package -DskipTests) or set TRIDENT_JAR`);
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Rejects after `ms` with a message naming what was awaited. */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Spawns the jar behind the SDK's StdioClientTransport and connects a Client. `args` (default: the
 * jar with `--transport stdio --backend <backend>`) are the java arguments.
 *
 * Returns { client, transport, sent, received, errors, protocolVersion(), stderr(), finish() }.
 * `sent`/`received` record every JSON-RPC message on the wire (as the SDK saw it),
 * `errors` every transport/protocol error the SDK reported (e.g. a non-JSON line on stdout,
 * a response to an unknown id). finish() closes the client and asserts that no such error occurred.
 */
export async function connectSdk(t, { backend = 'default', args = serverArgs(backend), capabilities = {}, setup } = {}) {
  assertJarExists();
  const transport = new StdioClientTransport({
    command: JAVA,
    args,
    cwd: SERVER_CWD,
    stderr: VERBOSE ? 'inherit' : 'pipe',
  });
  let stderrText = '';
  if (!VERBOSE) {
    // Drain the pipe so the server never blocks on a full stderr buffer.
    transport.stderr?.on('data', (chunk) => {
      stderrText += chunk.toString();
      if (stderrText.length > 200_000) stderrText = stderrText.slice(-100_000);
    });
  }

  const sent = [];
  const received = [];
  const errors = [];
  let negotiated;

  // Protocol.connect() chains onto a handler that is already set, so this sees every incoming message.
  transport.onmessage = (message) => received.push(message);
  // The client calls this (if present) with the version the server answered in initialize.
  transport.setProtocolVersion = (version) => { negotiated = version; };
  const originalSend = transport.send.bind(transport);
  transport.send = (message, options) => {
    sent.push(message);
    return originalSend(message, options);
  };

  const client = new Client({ name: 'trident-interop', version: '0.0.0' }, { capabilities });
  client.onerror = (error) => errors.push(error);
  setup?.(client);

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await client.close();
  };
  t.after(close);

  try {
    await withTimeout(client.connect(transport), 15_000, 'initialize');
  } catch (error) {
    error.message += `\n--- server stderr ---\n${stderrText.slice(-4000)}`;
    throw error;
  }

  return {
    client,
    transport,
    sent,
    received,
    errors,
    protocolVersion: () => negotiated,
    stderr: () => stderrText,
    close,
    /** Closes, then fails if the SDK reported errors (other than those matching `ignore`). */
    async finish({ ignore = [] } = {}) {
      await close();
      const real = errors.filter((e) => !ignore.some((re) => re.test(e?.message ?? String(e))));
      if (real.length) {
        throw new Error(`SDK reported ${real.length} protocol/transport error(s): `
          + real.map((e) => e?.message ?? String(e)).join(' | '));
      }
    },
  };
}

/** Matches an SDK McpError (or any error carrying a JSON-RPC code) with the given code. */
export function isMcpError(code) {
  return (error) => {
    if (typeof error?.code !== 'number') {
      throw new Error(`expected an McpError with code ${code}, got: ${error?.stack ?? error}`);
    }
    if (error.code !== code) {
      throw new Error(`expected McpError code ${code}, got ${error.code}: ${error.message}`);
    }
    return true;
  };
}

/**
 * The jar over a bare child process: newline-delimited JSON-RPC written and read by hand.
 * Every stdout line is parsed; lines that are not JSON objects are kept in `nonJson`.
 */
export class RawServer {
  constructor(t, backend = 'default') {
    assertJarExists();
    this.messages = [];
    this.nonJson = [];
    this.stderrText = '';
    this.waiters = new Set();
    this.taken = new Set();
    this.child = spawn(JAVA, serverArgs(backend), {
      cwd: SERVER_CWD,
      env: serverEnv(),
      stdio: ['pipe', 'pipe', VERBOSE ? 'inherit' : 'pipe'],
    });
    this.child.stderr?.on('data', (chunk) => {
      this.stderrText += chunk.toString();
      if (this.stderrText.length > 200_000) this.stderrText = this.stderrText.slice(-100_000);
    });
    // Writing to a server that already exited must not crash the test process.
    this.child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal, at: Date.now() };
        resolve(this.exitInfo);
      });
    });
    const lines = createInterface({ input: this.child.stdout, crlfDelay: Infinity });
    lines.on('line', (line) => {
      let message;
      try {
        message = JSON.parse(line);
      } catch {
        this.nonJson.push(line);
        return;
      }
      if (message === null || typeof message !== 'object') {
        this.nonJson.push(line);
        return;
      }
      this.messages.push(message);
      for (const waiter of this.waiters) waiter();
    });
    t.after(() => this.kill());
  }

  kill() {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
    }
  }

  /** Writes one line: a string as is, anything else as JSON. */
  send(message) {
    const line = typeof message === 'string' ? message : JSON.stringify(message);
    this.child.stdin.write(line + '\n');
  }

  /** The first message (in arrival order) matching `predicate` that was not already returned. */
  waitFor(predicate, ms = 8_000, what = 'a matching message') {
    return new Promise((resolve, reject) => {
      let done = false;
      const check = () => {
        if (done) return true;
        for (let i = 0; i < this.messages.length; i++) {
          if (!this.taken.has(i) && predicate(this.messages[i])) {
            this.taken.add(i);
            cleanup();
            resolve(this.messages[i]);
            return true;
          }
        }
        return false;
      };
      const onExit = () => {
        if (done) return;
        if (!check()) {
          cleanup();
          reject(new Error(`server exited (${JSON.stringify(this.exitInfo)}) while waiting for ${what}; `
            + `received: ${JSON.stringify(this.messages)}\n--- stderr ---\n${this.stderrText.slice(-4000)}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${ms} ms waiting for ${what}; received: `
          + `${JSON.stringify(this.messages).slice(0, 4000)}\n--- stderr ---\n${this.stderrText.slice(-4000)}`));
      }, ms);
      const cleanup = () => {
        done = true;
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      if (check()) return;
      this.waiters.add(check);
      this.exited.then(onExit);
    });
  }

  /** Waits until at least `n` messages arrived in total; returns the first n. */
  async waitForCount(n, ms = 8_000) {
    await this.waitFor(() => this.messages.length >= n, ms, `${n} message(s)`);
    return this.messages.slice(0, n);
  }

  response(id, ms = 8_000) {
    return this.waitFor((m) => m.id === id && ('result' in m || 'error' in m), ms, `the response to id ${JSON.stringify(id)}`);
  }

  async request(id, method, params, ms = 8_000) {
    const message = { jsonrpc: '2.0', id, method };
    if (params !== undefined) message.params = params;
    this.send(message);
    return this.response(id, ms);
  }

  /** initialize + notifications/initialized; returns the initialize response. */
  async initialize(protocolVersion = LATEST_PROTOCOL, id = 'init', ms = 15_000) {
    const response = await this.request(id, 'initialize', {
      protocolVersion,
      capabilities: {},
      clientInfo: { name: 'trident-interop-raw', version: '0.0.0' },
    }, ms);
    if (response.result) {
      this.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    }
    return response;
  }

  /** Closes stdin; resolves with { code, signal, elapsedMs } or rejects after `ms`. */
  async closeStdin(ms = 4_000) {
    const start = Date.now();
    this.child.stdin.end();
    const info = await withTimeout(this.exited, ms, 'the server to exit after stdin closed');
    return { ...info, elapsedMs: info.at - start };
  }
}

// --- Streamable HTTP ---------------------------------------------------------------------------

const HTTP_URL_LINE = /MCP Streamable HTTP on (http:\/\/\S+?\/mcp)\b/;

/**
 * Spawns `java -jar trident.jar --transport http --port 0 --backend <backend>` and resolves once it
 * logged the URL it listens on. Returns { url, child, stderr(), kill() }; the server is killed
 * after the test `t` if one is given (a suite calls kill() from its own after hook).
 */
export async function startHttpServer(t, { backend = 'default', extraArgs = [] } = {}) {
  // $TRIDENT_HTTP_URL: servers already running (src/test/scale/run.sh: instances behind a load
  // balancer, serving every backend); suites that need their own flags still start their own.
  if (process.env.TRIDENT_HTTP_URL && extraArgs.length === 0) {
    return { url: process.env.TRIDENT_HTTP_URL, child: null, stderr: () => '', stdout: () => '', kill: async () => {} };
  }
  assertJarExists();
  const child = spawn(JAVA, ['-jar', JAR, '--transport', 'http', '--port', '0', '--no-auth', '--backend', backend, ...extraArgs], {
    cwd: SERVER_CWD,
    env: serverEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderrText = '';
  let stdoutText = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  t?.after(kill);

  const urlLine = new Promise((resolve, reject) => {
    let found = false;
    const timer = setTimeout(() => {
      reject(new Error(`timed out after 15000 ms waiting for the HTTP URL line\n--- stderr ---\n${stderrText.slice(-4000)}`));
    }, 15_000);
    child.stderr.on('data', (chunk) => {
      const text = chunk.toString();
      if (VERBOSE) process.stderr.write(text);
      stderrText += text;
      if (stderrText.length > 200_000) stderrText = stderrText.slice(-100_000);
      if (!found) {
        const match = HTTP_URL_LINE.exec(stderrText);
        if (match) {
          found = true;
          clearTimeout(timer);
          resolve(match[1]);
        }
      }
    });
    // Nothing is expected on stdout over HTTP, but a full pipe must never block the server.
    child.stdout.on('data', (chunk) => { stdoutText += chunk.toString(); });
    exited.then((info) => {
      if (!found) {
        clearTimeout(timer);
        reject(new Error(`server exited (${JSON.stringify(info)}) before logging its URL\n`
          + `--- stderr ---\n${stderrText.slice(-4000)}`));
      }
    });
  });
  let url;
  try {
    url = await urlLine;
  } catch (error) {
    await kill();
    throw error;
  }

  return { url, child, stderr: () => stderrText, stdout: () => stdoutText, kill };
}

/**
 * Connects the SDK's Client over StreamableHTTPClientTransport to `url`.
 *
 * Returns the same shape as connectSdk(): { client, transport, sent, received, errors,
 * protocolVersion(), close(), finish() }, plus `requests`: every HTTP request the transport made, as
 * { method, headers (lower-case names), body (parsed JSON, for a POST), status, contentType }. `sent`/`received` are the JSON-RPC messages as the
 * SDK saw them (whichever HTTP response or stream carried them).
 */
export async function connectHttp(t, url, { capabilities = {}, setup } = {}) {
  const requests = [];
  const recordingFetch = async (input, init = {}) => {
    const entry = { method: init.method ?? 'GET', headers: Object.fromEntries(new Headers(init.headers)) };
    if (typeof init.body === 'string') entry.body = JSON.parse(init.body);
    requests.push(entry);
    const response = await fetch(input, init);
    entry.status = response.status;
    entry.contentType = response.headers.get('content-type');
    return response;
  };
  const transport = new StreamableHTTPClientTransport(new URL(url), { fetch: recordingFetch });
  const sent = [];
  const received = [];
  const errors = [];
  let negotiated;

  transport.onmessage = (message) => received.push(message);
  const originalSetProtocolVersion = transport.setProtocolVersion.bind(transport);
  // The HTTP transport needs the version for its MCP-Protocol-Version header: record and pass on.
  transport.setProtocolVersion = (version) => {
    negotiated = version;
    originalSetProtocolVersion(version);
  };
  const originalSend = transport.send.bind(transport);
  transport.send = (message, options) => {
    sent.push(message);
    return originalSend(message, options);
  };

  const client = new Client({ name: 'trident-interop-http', version: '0.0.0' }, { capabilities });
  client.onerror = (error) => errors.push(error);
  setup?.(client);

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await client.close();
  };
  t.after(close);

  await withTimeout(client.connect(transport), 15_000, 'initialize over HTTP');

  return {
    client,
    transport,
    sent,
    received,
    errors,
    requests,
    protocolVersion: () => negotiated,
    close,
    /**
     * Closes, then fails if the SDK reported errors (other than those matching `ignore`) before the
     * close: closing aborts the SDK's own requests still in flight (its standalone GET stream, opened
     * a moment after initialize), and the "operation was aborted" that follows is ours, not the
     * server's.
     */
    async finish({ ignore = [] } = {}) {
      const beforeClose = errors.length;
      await close();
      const real = errors
        .slice(0, beforeClose)
        .filter((e) => !ignore.some((re) => re.test(e?.message ?? String(e))));
      if (real.length) {
        throw new Error(`SDK reported ${real.length} protocol/transport error(s): `
          + real.map((e) => e?.message ?? String(e)).join(' | '));
      }
    },
  };
}
