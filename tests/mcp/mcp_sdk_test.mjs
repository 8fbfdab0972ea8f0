// The MCP server driven by the official TypeScript SDK client (@modelcontextprotocol/sdk),
// and by raw messages for what a well-behaved client never sends.
//
//   node mcp_sdk_test.mjs <stdio|http|malformed> <doctown> <docpack> <sample-project> <sdk-dir>
//
// Exit 77 (a ctest skip) when the SDK is not installed (scripts/install-deps.sh installs it).
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const [mode, cli, docpack, sampleDir, sdkDir] = process.argv.slice(2);
// The SDK is loaded only by the modes that use it: the malformed-input run speaks raw JSON-RPC.
let Client, StdioClientTransport, StreamableHTTPClientTransport, sdkVersion = 'not used';
if (mode !== 'malformed') {
  if (!fs.existsSync(path.join(sdkDir, 'node_modules/@modelcontextprotocol/sdk/package.json'))) {
    console.log(`SKIP: @modelcontextprotocol/sdk is not installed in ${sdkDir} (scripts/install-deps.sh)`);
    process.exit(77);
  }
  const require = createRequire(path.join(sdkDir, 'package.json'));
  ({ Client } = require('@modelcontextprotocol/sdk/client/index.js'));
  ({ StdioClientTransport } = require('@modelcontextprotocol/sdk/client/stdio.js'));
  ({ StreamableHTTPClientTransport } = require('@modelcontextprotocol/sdk/client/streamableHttp.js'));
  sdkVersion = JSON.parse(fs.readFileSync(path.join(sdkDir, 'node_modules/@modelcontextprotocol/sdk/package.json'), 'utf8')).version;
}

let checks = 0;
const check = (cond, what) => { assert.ok(cond, what); ++checks; };

// A copy of the sample project with hostile links: read_source must not follow them out.
function hostileSource() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doctown-mcp-src-'));
  fs.cpSync(sampleDir, dir, { recursive: true });
  fs.symlinkSync('/etc/passwd', path.join(dir, 'src', 'evil.cpp'));
  fs.symlinkSync('/etc', path.join(dir, 'etc-link'));
  fs.writeFileSync(path.join(dir, 'NOTES.txt'), 'line one\nline two\nline three\n');
  fs.writeFileSync(path.join(os.tmpdir(), 'doctown-mcp-outside.txt'), 'secret\n');
  return dir;
}

const structured = (r) => { check(!r.isError, `tool failed: ${JSON.stringify(r.content)}`); return r.structuredContent; };
const errorText = (r) => { check(r.isError === true, `expected an error result, got ${JSON.stringify(r)}`); return r.content[0].text; };

async function expectRpcError(promise, code, what) {
  try {
    await promise;
  } catch (e) {
    check(e.code === code, `${what}: expected JSON-RPC error ${code}, got ${e.code} (${e.message})`);
    return;
  }
  assert.fail(`${what}: expected JSON-RPC error ${code}`);
}

async function conversation(client, source) {
  // tools/list: the six tools, each with an input and an output schema.
  const { tools } = await client.listTools();
  check(JSON.stringify(tools.map((t) => t.name).sort()) ===
        JSON.stringify(['get_symbol', 'outline', 'overview', 'read_source', 'related', 'search']),
        `tool names: ${tools.map((t) => t.name)}`);
  for (const t of tools) {
    check(t.inputSchema.type === 'object' && t.outputSchema?.type === 'object', `${t.name} schemas`);
    check(t.description.length > 20, `${t.name} description`);
  }

  // search: the function named in the query ranks, with its location.
  const found = structured(await client.callTool({ name: 'search', arguments: { query: 'total area of shapes', k: 5 } }));
  check(found.hits.length > 0 && found.hits.length <= 5, 'search hit count');
  const hit = found.hits.find((h) => h.qualified_name === 'geo::total_area');
  check(hit && hit.file === 'src/algorithms.cpp' && hit.kind === 'function', `search hits: ${JSON.stringify(found.hits)}`);
  const classes = structured(await client.callTool({ name: 'search', arguments: { query: 'shape', kind: 'class' } }));
  check(classes.hits.length >= 3 && classes.hits.every((h) => h.kind === 'class'), 'search kind filter');

  // get_symbol: signature, parameters, callers, callees, bases, docs.
  const ta = structured(await client.callTool({ name: 'get_symbol', arguments: { id: hit.id } }));
  check(ta.qualified_name === 'geo::total_area' && ta.signature.includes('total_area'), 'get_symbol by id');
  check(ta.location.file === 'src/algorithms.cpp' && ta.location.line === hit.line, 'get_symbol location');
  check(ta.parameters.length === 1 && ta.parameters[0].name === 'shapes', `parameters ${JSON.stringify(ta.parameters)}`);
  check(ta.callers.some((c) => c.qualified_name === 'geo::summarize'), 'total_area is called by summarize');
  check(ta.callees.some((c) => c.qualified_name === 'geo::Shape::area'), 'total_area calls Shape::area');
  check(ta.docs && ta.docs.summary.length > 0, 'get_symbol docs');
  const circle = structured(await client.callTool({ name: 'get_symbol', arguments: { name: 'geo::Circle' } }));
  check(circle.kind === 'class' && circle.bases.some((b) => b.qualified_name === 'geo::Shape'), 'Circle derives from Shape');
  const area = structured(await client.callTool({ name: 'get_symbol', arguments: { name: 'geo::Circle::area' } }));
  check(area.overrides.some((b) => b.qualified_name === 'geo::Shape::area'), 'Circle::area overrides Shape::area');
  errorText(await client.callTool({ name: 'get_symbol', arguments: { name: 'no::such_symbol' } }));

  // related: each relation, and depth.
  const rel = async (symbol, relation, depth) => structured(await client.callTool(
      { name: 'related', arguments: depth ? { symbol, relation, depth } : { symbol, relation } }));
  const names = (r) => r.results.map((x) => x.qualified_name);
  const derived1 = await rel('geo::Shape', 'derived');
  check(names(derived1).includes('geo::Circle') && !names(derived1).includes('geo::Square'), `derived depth 1: ${names(derived1)}`);
  const derived2 = await rel('geo::Shape', 'derived', 2);
  check(names(derived2).includes('geo::Square'), `derived depth 2: ${names(derived2)}`);
  check(names(await rel('geo::Square', 'bases', 2)).includes('geo::Shape'), 'bases depth 2');
  check(names(await rel('geo::summarize', 'callees')).includes('geo::total_area'), 'callees');
  check(names(await rel('geo::total_area', 'callers')).includes('geo::summarize'), 'callers');
  check(names(await rel('geo::Circle::area', 'overrides')).includes('geo::Shape::area'), 'overrides');
  check(names(await rel('geo::Circle', 'members')).includes('geo::Circle::radius'), 'members');
  const similar = await rel('geo::Circle::area', 'similar');
  check(similar.results.length > 0 && !names(similar).includes('geo::Circle::area'), 'similar');

  // read_source: the stored text matches the file; ranges are exact.
  const original = fs.readFileSync(path.join(sampleDir, 'src/algorithms.cpp'), 'utf8');
  const whole = structured(await client.callTool({ name: 'read_source', arguments: { path: 'src/algorithms.cpp' } }));
  check(whole.text === original && whole.origin === 'docpack', 'read_source returns the stored file');
  const one = structured(await client.callTool({ name: 'read_source',
    arguments: { path: 'src/algorithms.cpp', start_line: hit.line, end_line: hit.line } }));
  check(one.text.includes('total_area(') && one.text.split('\n').length === 2, `line ${hit.line}: ${one.text}`);
  for (const bad of ['../CMakeLists.txt', '/etc/passwd', 'src/../../etc/passwd', '..', 'src/evil.cpp',
                     'etc-link/passwd', '../doctown-mcp-outside.txt', 'C:\\Windows\\win.ini']) {
    const text = errorText(await client.callTool({ name: 'read_source', arguments: { path: bad } }));
    check(!text.includes('root:'), `read_source ${bad} leaked: ${text}`);
  }
  if (source) {
    const notes = structured(await client.callTool({ name: 'read_source', arguments: { path: 'NOTES.txt', start_line: 2 } }));
    check(notes.origin === 'source' && notes.text === 'line two\nline three\n', `--source read: ${JSON.stringify(notes)}`);
  } else {
    errorText(await client.callTool({ name: 'read_source', arguments: { path: 'CMakeLists.txt' } }));
  }

  // outline and overview.
  const files = structured(await client.callTool({ name: 'outline', arguments: {} }));
  check(files.files.some((f) => f.path === 'src/algorithms.cpp' && f.symbols > 0 && f.stored), 'outline files');
  const circleFile = structured(await client.callTool({ name: 'outline', arguments: { path: 'include/geo/circle.hpp' } }));
  check(circleFile.symbols.some((s) => s.qualified_name === 'geo::Circle'), 'outline of a file');
  const lines = circleFile.symbols.map((s) => s.line);
  check(lines.every((l, i) => i === 0 || lines[i - 1] <= l), 'outline in line order');
  const overview = structured(await client.callTool({ name: 'overview', arguments: {} }));
  check(overview.architecture.length > 50 && overview.symbols > 10, 'overview');

  // resources: the Markdown pages.
  const { resources } = await client.listResources();
  check(resources.some((r) => r.uri === 'doctown://overview'), 'overview resource');
  const page = resources.find((r) => r.name === 'include/geo/circle.hpp');
  check(page && page.mimeType === 'text/markdown', 'file page listed');
  const read = await client.readResource({ uri: page.uri });
  check(read.contents[0].text.includes('geo::Circle'), 'file page text');
  await expectRpcError(client.readResource({ uri: 'doctown://file/../../etc/passwd' }), -32002, 'unknown resource');

  // Protocol errors through the SDK: unknown tool, wrong argument types.
  await expectRpcError(client.callTool({ name: 'rm_rf', arguments: {} }), -32602, 'unknown tool');
  await expectRpcError(client.callTool({ name: 'search', arguments: { query: 42 } }), -32602, 'wrong type');
  await expectRpcError(client.callTool({ name: 'related', arguments: { symbol: 'geo::Shape', relation: 'friends' } }), -32602, 'bad enum');
  await client.ping();
}

async function runStdio() {
  const source = hostileSource();
  const transport = new StdioClientTransport({ command: cli, args: ['mcp', docpack, '--source', source], stderr: 'pipe' });
  const client = new Client({ name: 'doctown-test', version: '1.0.0' });
  await client.connect(transport);
  check(client.getServerVersion().name === 'doctown', 'serverInfo');
  check(client.getServerCapabilities().tools && client.getServerCapabilities().resources, 'capabilities');
  await conversation(client, source);
  await client.close();
}

async function startHttp() {
  const child = spawn(cli, ['mcp', docpack, '--http', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const url = await new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      const m = err.match(/listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
    setTimeout(() => reject(new Error(`no listening line: ${err}`)), 15000);
  });
  return { child, url };
}

async function runHttp() {
  const { child, url } = await startHttp();
  try {
    const transport = new StreamableHTTPClientTransport(new URL(url));
    const client = new Client({ name: 'doctown-test', version: '1.0.0' });
    await client.connect(transport);
    check(typeof transport.sessionId === 'string' && transport.sessionId.length >= 16, 'Mcp-Session-Id');
    check(transport.protocolVersion === '2025-06-18', `negotiated ${transport.protocolVersion}`);
    await conversation(client, null);

    // The transport's rules, with raw requests.
    const post = (body, headers = {}) => fetch(url, { method: 'POST', body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } });
    const ping = { jsonrpc: '2.0', id: 9, method: 'ping' };
    const sid = { 'mcp-session-id': transport.sessionId };
    check((await post(ping)).status === 400, 'no session id -> 400');
    check((await post(ping, { 'mcp-session-id': 'forged' })).status === 404, 'unknown session -> 404');
    check((await post(ping, { ...sid, 'mcp-protocol-version': '1999-01-01' })).status === 400, 'bad protocol version -> 400');
    check((await post(ping, { ...sid, origin: 'http://evil.example' })).status === 403, 'foreign Origin -> 403');
    check((await fetch(url, { headers: sid })).status === 405, 'GET -> 405');
    const ok = await post(ping, { ...sid, 'mcp-protocol-version': '2025-06-18' });
    check(ok.status === 200 && (await ok.json()).result !== undefined, 'ping over HTTP');
    const note = await post({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 9 } }, sid);
    check(note.status === 202, 'notification -> 202');
    const bad = await fetch(url, { method: 'POST', body: '{oops', headers: { ...sid, 'content-type': 'application/json' } });
    check((await bad.json()).error.code === -32700, 'parse error over HTTP');
    await transport.terminateSession();  // DELETE with the session id
    check((await post(ping, sid)).status === 404, 'ended session -> 404');
    await client.close();
  } finally {
    child.kill('SIGINT');
  }
  const code = await new Promise((r) => child.on('exit', (c) => r(c)));
  check(code === 0, `HTTP server exit code after SIGINT: ${code}`);
}

async function runMalformed() {
  const child = spawn(cli, ['mcp', docpack], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  const send = (s) => child.stdin.write(s + '\n');
  send('{not json');
  send('[]');
  send('{"jsonrpc":"2.0","id":1,"method":"no/such/method"}');
  send('{"jsonrpc":"1.0","id":2,"method":"ping"}');
  send('{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search","arguments":{"query":42}}}');
  send('x'.repeat(6 * 1024 * 1024));
  send('{"jsonrpc":"2.0","id":4,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}');
  send('{"jsonrpc":"2.0","id":5,"method":"initialize","params":{"protocolVersion":"1999-01-01","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}');
  send('{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}');
  send('"just a string"');
  send('{"jsonrpc":"2.0","method":"notifications/whatever"}');
  send('{"jsonrpc":"2.0","id":6,"method":"tools/call","params":"x"}');
  send('{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"read_source","arguments":{"path":"../../../../etc/passwd"}}}');
  send('{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"related","arguments":{"symbol":"geo::Shape","relation":"derived","depth":"2"}}}');
  send('[{"jsonrpc":"2.0","id":9,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"}]');
  send('\u0000\u0001\u00ff garbage');
  send('{"jsonrpc":"2.0","id":10,"method":"ping"}');
  child.stdin.end();
  const code = await new Promise((r) => child.on('exit', (c) => r(c)));
  check(code === 0, `exit code on stdin close: ${code}`);
  const answers = out.trim().split('\n').map((l) => JSON.parse(l));
  const expected = [
    [null, -32700], [null, -32600], [1, -32601], [2, -32600], [3, -32602], [null, -32700],
    [4, '2025-03-26'], [5, '2025-06-18'], [null, -32600], [null, -32600], [6, -32602], [7, 'isError'],
    [8, -32602], ['batch', 9], [null, -32700], [10, 'pong']];
  check(answers.length === expected.length, `answers: ${out}`);
  expected.forEach(([id, what], i) => {
    const a = answers[i];
    if (id === 'batch') {
      check(Array.isArray(a) && a.length === 1 && a[0].id === what, `batch answer ${JSON.stringify(a)}`);
      return;
    }
    check(a.jsonrpc === '2.0' && a.id === id, `answer ${i} id: ${JSON.stringify(a)}`);
    if (typeof what === 'number') check(a.error?.code === what, `answer ${i}: ${JSON.stringify(a)}`);
    else if (what === 'isError') check(a.result.isError === true && !a.result.content[0].text.includes('root:'), `answer ${i}`);
    else if (what === 'pong') check(JSON.stringify(a.result) === '{}', `answer ${i}`);
    else check(a.result.protocolVersion === what && a.result.serverInfo.name === 'doctown', `answer ${i}: ${JSON.stringify(a)}`);
  });
}

const runs = { stdio: runStdio, http: runHttp, malformed: runMalformed };
try {
  await runs[mode]();
  console.log(`ok: ${mode}, ${checks} checks (SDK ${sdkVersion})`);
} catch (e) {
  console.error(`FAIL (${mode}):`, e);
  process.exit(1);
}
