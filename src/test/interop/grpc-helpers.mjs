// gRPC helpers for the Trident interop tests: a stock grpc-js client built at run time from the
// contract (src/main/proto/mcp/v1/mcp.proto) by @grpc/proto-loader, the jar started with a gRPC
// listener on a free loopback port, and the normaliser that turns mcp.v1 messages back into the
// MCP JSON shapes that stdio and Streamable HTTP carry (for the parity test).

import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

import { assertJarExists, JAR, JAVA, SERVER_CWD, VERBOSE } from './helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

export { grpc };

export const MCP_PROTO = path.resolve(here, '../../main/proto/mcp/v1/mcp.proto');
// A cut-down, wire-compatible copy of the standard grpc.health.v1 client contract (Check only).
export const HEALTH_PROTO = path.resolve(here, 'protos/grpc/health/v1/health.proto');

/**
 * proto-loader options, chosen so that messages look as close to MCP JSON as proto allows:
 *  - keepCase false: fields in lowerCamelCase (input_schema → inputSchema, is_error → isError),
 *    the spelling MCP JSON uses;
 *  - longs Number: int64 Resource.size as a JSON number, as MCP has it;
 *  - enums String: health statuses by name;
 *  - defaults true: every field present, so the normaliser decides explicitly, field by field,
 *    which proto3 defaults mean "absent" (it never relies on what the decoder happened to set);
 *  - oneofs true: the virtual field naming the set member of each oneof (Content.kind,
 *    ResourceContents.body, CallToolEvent.event, Value.kind) and of each proto3 `optional`
 *    field's synthetic oneof (`_total`, `_readOnlyHint`, ...), which is how presence is told
 *    apart from a default value.
 * google/protobuf/struct.proto is one of the well-known types that protobufjs (under proto-loader)
 * ships built in, so no include directory is needed for it.
 */
export const LOADER_OPTIONS = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

let loaded;

/** The generated client constructors: { Mcp, AuthDiscovery, Health }. Loaded once per process. */
export function grpcServices() {
  if (!loaded) {
    const mcp = grpc.loadPackageDefinition(protoLoader.loadSync(MCP_PROTO, LOADER_OPTIONS));
    const health = grpc.loadPackageDefinition(protoLoader.loadSync(HEALTH_PROTO, LOADER_OPTIONS));
    loaded = {
      Mcp: mcp.mcp.v1.Mcp,
      AuthDiscovery: mcp.mcp.v1.AuthDiscovery,
      Health: health.grpc.health.v1.Health,
    };
  }
  return loaded;
}

/** Clients of the three services on one channel each; close() closes them all. */
export function grpcClients(address) {
  const { Mcp, AuthDiscovery, Health } = grpcServices();
  const credentials = grpc.credentials.createInsecure();
  const mcp = new Mcp(address, credentials);
  const auth = new AuthDiscovery(address, credentials);
  const health = new Health(address, credentials);
  return {
    mcp,
    auth,
    health,
    close() {
      mcp.close();
      auth.close();
      health.close();
    },
  };
}

function metadataOf(entries = {}) {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(entries)) metadata.set(key, value);
  return metadata;
}

/** A unary call as a promise; rejects with grpc-js's ServiceError ({ code, details, metadata }). */
export function unary(client, method, request, { metadata, deadline } = {}) {
  return new Promise((resolve, reject) => {
    const options = deadline === undefined ? {} : { deadline };
    client[method](request, metadataOf(metadata), options, (error, response) => {
      if (error) reject(error);
      else resolve(response);
    });
  });
}

/**
 * Runs a server-streaming CallTool to its end. Resolves with { events, results (the CallToolResult
 * of every result event), result (the last of them), status } when the
 * stream ends OK; rejects with the ServiceError, with `events` (what arrived before) attached.
 * `onEvent(event, call)` sees each event as it arrives (e.g. to cancel after the first one).
 */
export function callTool(client, request, { metadata, deadline, onEvent } = {}) {
  return new Promise((resolve, reject) => {
    const options = deadline === undefined ? {} : { deadline };
    const call = client.CallTool(request, metadataOf(metadata), options);
    const events = [];
    let error;
    call.on('data', (event) => {
      events.push(event);
      onEvent?.(event, call);
    });
    call.on('error', (e) => {
      error = e;
      e.events = events;
    });
    // 'status' comes last, after 'end' or 'error'.
    call.on('status', (status) => {
      if (error) {
        reject(error);
        return;
      }
      const results = events.filter((e) => e.event === 'result').map((e) => e.result);
      resolve({ events, result: results.at(-1), results, status });
    });
  });
}

/** The first value of metadata key `key` of a status or ServiceError, as a string. */
export function trailer(statusOrError, key) {
  const values = statusOrError?.metadata?.get(key) ?? [];
  return values.length ? String(values[0]) : undefined;
}

/**
 * Spawns the jar with `args` (a free loopback gRPC port among them) and resolves once it logged
 * every line in `waitFor` ({ name: RegExp with one capture group }). Resolves with
 * { child, found: { name: capture }, stderr(), kill() }; the server is SIGKILLed after the test `t`
 * (or by kill()), so no process outlives the test file.
 */
export async function spawnJar(t, args, waitFor, { stdin = 'ignore' } = {}) {
  assertJarExists();
  const env = { ...process.env };
  delete env.TRIDENT_CONFIG;
  delete env.TRIDENT_BACKEND;
  const child = spawn(JAVA, ['-jar', JAR, ...args], {
    cwd: SERVER_CWD,
    env,
    stdio: [stdin, 'pipe', 'pipe'],
  });
  let stderrText = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  t?.after(kill);
  child.stdout.on('data', () => {});

  const found = {};
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`timed out after 20000 ms waiting for ${Object.keys(waitFor).join(', ')}\n`
        + `--- stderr ---\n${stderrText.slice(-4000)}`));
    }, 20_000);
    const check = () => {
      for (const [name, re] of Object.entries(waitFor)) {
        if (!(name in found)) {
          const match = re.exec(stderrText);
          if (match) found[name] = match[1];
        }
      }
      if (Object.keys(found).length === Object.keys(waitFor).length) {
        clearTimeout(timer);
        resolve();
        return true;
      }
      return false;
    };
    child.stderr.on('data', (chunk) => {
      const text = chunk.toString();
      if (VERBOSE) process.stderr.write(text);
      stderrText += text;
      if (stderrText.length > 200_000) stderrText = stderrText.slice(-100_000);
      check();
    });
    exited.then((info) => {
      if (!check()) {
        clearTimeout(timer);
        reject(new Error(`server exited (${JSON.stringify(info)}) before it was ready\n`
          + `--- stderr ---\n${stderrText.slice(-4000)}`));
      }
    });
  });
  try {
    await ready;
  } catch (error) {
    await kill();
    throw error;
  }
  return { child, found, stderr: () => stderrText, kill, exited };
}

export const GRPC_LINE = /MCP gRPC on (127\.0\.0\.1:\d+) \(h2c\)/;
export const HTTP_LINE = /MCP Streamable HTTP on (http:\/\/127\.0\.0\.1:\d+\/mcp)\b/;

/** `java -jar trident.jar --transport grpc --grpc-port 0`; resolves with { address, ... }. */
export async function startGrpcServer(t, { backend = 'default', extraArgs = [] } = {}) {
  const server = await spawnJar(
    t,
    ['--transport', 'grpc', '--grpc-port', '0', '--no-auth', '--backend', backend, ...extraArgs],
    { address: GRPC_LINE },
  );
  return { ...server, address: server.found.address };
}

// --- google.protobuf.Struct <-> JSON --------------------------------------------------------------

/** A plain JSON object as a google.protobuf.Struct message object (what proto-loader expects). */
export function toStruct(object) {
  return { fields: Object.fromEntries(Object.entries(object).map(([k, v]) => [k, toValue(v)])) };
}

export function toValue(value) {
  if (value === null) return { nullValue: 'NULL_VALUE' };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(toValue) } };
  if (typeof value === 'object') return { structValue: toStruct(value) };
  throw new Error(`not JSON: ${value}`);
}

/** A decoded Struct back to plain JSON; null (an unset Struct field) stays null. */
export function fromStruct(struct) {
  if (struct == null) return null;
  return Object.fromEntries(Object.entries(struct.fields ?? {}).map(([k, v]) => [k, fromValue(v)]));
}

export function fromValue(value) {
  switch (value?.kind) {
    case 'nullValue':
      return null;
    case 'numberValue':
      return value.numberValue;
    case 'stringValue':
      return value.stringValue;
    case 'boolValue':
      return value.boolValue;
    case 'structValue':
      return fromStruct(value.structValue);
    case 'listValue':
      return (value.listValue?.values ?? []).map(fromValue);
    default:
      // An unset Value: proto3 has no other way to say null.
      return null;
  }
}

// --- mcp.v1 messages -> MCP JSON (the shapes of the JSON-RPC results) ------------------------------
//
// proto3 cannot tell an empty string, an empty list or false from "not sent" (only fields declared
// `optional` carry presence). The MCP JSON the server writes on stdio/HTTP leaves absent members
// out, so the normaliser drops '' strings, [] lists and unset messages for the members that MCP has
// as optional. Members that MCP requires are always copied, whatever their value.

function put(out, key, value) {
  if (value === undefined || value === null || value === '') return;
  if (Array.isArray(value) && value.length === 0) return;
  out[key] = value;
}

/** A proto3 `optional` field: copied only when set (its synthetic oneof `_name` names it). */
function putOptional(out, message, key) {
  if (message[`_${key}`] === key) out[key] = message[key];
}

const base64 = (bytes) => Buffer.from(bytes ?? []).toString('base64');

export const toMcp = {
  icons(icons) {
    return (icons ?? []).map((icon) => {
      const out = { src: icon.src };
      put(out, 'mimeType', icon.mimeType);
      put(out, 'sizes', icon.sizes);
      put(out, 'theme', icon.theme);
      return out;
    });
  },

  implementation(info) {
    const out = { name: info.name };
    put(out, 'title', info.title);
    out.version = info.version;
    return out;
  },

  initializeResult(response) {
    const out = {
      protocolVersion: response.protocolVersion,
      capabilities: fromStruct(response.capabilities) ?? {},
      serverInfo: toMcp.implementation(response.serverInfo),
    };
    put(out, 'instructions', response.instructions);
    return out;
  },

  tool(tool) {
    const out = { name: tool.name };
    put(out, 'title', tool.title);
    put(out, 'description', tool.description);
    out.inputSchema = fromStruct(tool.inputSchema);
    put(out, 'outputSchema', fromStruct(tool.outputSchema));
    if (tool.annotations) {
      const a = {};
      put(a, 'title', tool.annotations.title);
      for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint']) {
        putOptional(a, tool.annotations, hint);
      }
      out.annotations = a;
    }
    put(out, 'icons', toMcp.icons(tool.icons));
    return out;
  },

  listTools(response) {
    const out = { tools: response.tools.map(toMcp.tool) };
    put(out, 'nextCursor', response.nextCursor);
    return out;
  },

  resourceContents(contents) {
    const out = { uri: contents.uri };
    put(out, 'mimeType', contents.mimeType);
    if (contents.body === 'text') out.text = contents.text;
    else if (contents.body === 'blob') out.blob = base64(contents.blob);
    return out;
  },

  content(content) {
    switch (content?.kind) {
      case 'text':
        return { type: 'text', text: content.text.text };
      case 'image':
        return { type: 'image', data: base64(content.image.data), mimeType: content.image.mimeType };
      case 'audio':
        return { type: 'audio', data: base64(content.audio.data), mimeType: content.audio.mimeType };
      case 'resourceLink': {
        const link = content.resourceLink;
        const out = { type: 'resource_link', uri: link.uri, name: link.name };
        put(out, 'description', link.description);
        put(out, 'mimeType', link.mimeType);
        return out;
      }
      case 'resource':
        return { type: 'resource', resource: toMcp.resourceContents(content.resource) };
      default:
        throw new Error(`Content with no kind set: ${JSON.stringify(content)}`);
    }
  },

  callToolResult(result) {
    const out = { content: result.content.map(toMcp.content) };
    put(out, 'structuredContent', fromStruct(result.structuredContent));
    // is_error is a plain proto3 bool: false and "not sent" are the same; JSON leaves false out.
    if (result.isError) out.isError = true;
    return out;
  },

  resource(resource) {
    const out = { uri: resource.uri, name: resource.name };
    put(out, 'title', resource.title);
    put(out, 'description', resource.description);
    put(out, 'mimeType', resource.mimeType);
    putOptional(out, resource, 'size');
    put(out, 'icons', toMcp.icons(resource.icons));
    return out;
  },

  listResources(response) {
    const out = { resources: response.resources.map(toMcp.resource) };
    put(out, 'nextCursor', response.nextCursor);
    return out;
  },

  resourceTemplate(template) {
    const out = { uriTemplate: template.uriTemplate, name: template.name };
    put(out, 'title', template.title);
    put(out, 'description', template.description);
    put(out, 'mimeType', template.mimeType);
    put(out, 'icons', toMcp.icons(template.icons));
    return out;
  },

  listResourceTemplates(response) {
    const out = { resourceTemplates: response.resourceTemplates.map(toMcp.resourceTemplate) };
    put(out, 'nextCursor', response.nextCursor);
    return out;
  },

  readResource(response) {
    return { contents: response.contents.map(toMcp.resourceContents) };
  },

  prompt(prompt) {
    const out = { name: prompt.name };
    put(out, 'title', prompt.title);
    put(out, 'description', prompt.description);
    // PromptArgument.required is a plain proto3 bool, so false cannot be told from "not sent";
    // it is always copied, as the server writes it on JSON too.
    put(out, 'arguments', prompt.arguments.map((argument) => {
      const a = { name: argument.name };
      put(a, 'description', argument.description);
      a.required = argument.required;
      return a;
    }));
    put(out, 'icons', toMcp.icons(prompt.icons));
    return out;
  },

  listPrompts(response) {
    const out = { prompts: response.prompts.map(toMcp.prompt) };
    put(out, 'nextCursor', response.nextCursor);
    return out;
  },

  getPrompt(response) {
    const out = {};
    put(out, 'description', response.description);
    out.messages = response.messages.map((m) => ({ role: m.role, content: toMcp.content(m.content) }));
    return out;
  },

  complete(response) {
    const completion = { values: response.values };
    putOptional(completion, response, 'total');
    // has_more is a plain proto3 bool; the server writes it on JSON even when false.
    completion.hasMore = response.hasMore;
    return { completion };
  },
};
