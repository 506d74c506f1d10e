// node's `ws` package as a remote-controlled WebSocket peer for tests/interop/.
//
// Usage: node ws_peer.js NODE_MODULES
//
// NODE_MODULES is the folder where scripts/interop-setup installed `ws`
// (.interop/node/node_modules): it lives outside the repository's sources, so
// this script loads it from there rather than through node's usual lookup.
// The test drives the peer with one JSON command per line on stdin and reads
// one JSON event per line on stdout; the protocol is described in
// tests/interop/peer.py. Every data message received is reported (type,
// size, SHA-256), then echoed with the same type: as one frame, or split into
// the number of fragments that the last `fragments` command asked for.

'use strict';

const crypto = require('node:crypto');
const path = require('node:path');
const readline = require('node:readline');

const modules = process.argv[2];
const wsPackage = require(path.join(modules, 'ws', 'package.json'));
const { WebSocket, WebSocketServer } = require(path.join(modules, 'ws'));

function emit(event, fields) {
  process.stdout.write(JSON.stringify({ event, ...fields }) + '\n');
}

const servers = [];
let current = null; // the connection that commands apply to
let echoFragments = 1;

function deflateOptions(command) {
  // `true` keeps ws's defaults: it offers / accepts permessage-deflate with
  // context takeover and compresses messages of 1024 bytes or more. An
  // object is ws's perMessageDeflate options, as is.
  return typeof command.compress === 'object' ? command.compress : Boolean(command.compress);
}

function run(ws, role, extensions, path) {
  current = ws;
  echoFragments = 1;
  emit('open', {
    role,
    path,
    deflate: ws.extensions.split(',').includes('permessage-deflate'),
    extensions: extensions || '',
  });
  ws.on('message', (data, isBinary) => {
    emit('message', {
      type: isBinary ? 'binary' : 'text',
      size: data.length,
      sha256: crypto.createHash('sha256').update(data).digest('hex'),
    });
    // Split at arbitrary byte offsets: a fragment of a text message needn't
    // be valid UTF-8 on its own, only the whole message.
    const count = Math.min(echoFragments, Math.max(data.length, 1));
    const step = Math.ceil(data.length / count);
    for (let index = 0; index < count; index++) {
      const fragment = data.subarray(index * step, (index + 1) * step);
      ws.send(fragment, { binary: isBinary, fin: index === count - 1 });
    }
  });
  ws.on('ping', (data) => emit('ping', { data: data.toString() }));
  ws.on('pong', (data) => emit('pong', { data: data.toString() }));
  ws.on('error', (error) => emit('failed', { error: String(error) }));
  ws.on('close', (code, reason) => {
    // The close code and reason that the other side sent (1005 when its
    // close frame had none, 1006 when the connection dropped without one).
    emit('closed', { code, reason: reason.toString() });
  });
}

const commands = {
  listen(command) {
    const server = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      perMessageDeflate: deflateOptions(command),
    });
    servers.push(server);
    let extensions = '';
    server.on('headers', (headers) => {
      const line = headers.find((header) =>
        header.toLowerCase().startsWith('sec-websocket-extensions:'),
      );
      extensions = line ? line.slice(line.indexOf(':') + 1).trim() : '';
    });
    server.on('connection', (ws, request) => run(ws, 'server', extensions, request.url));
    server.on('error', (error) => emit('error', { op: 'listen', error: String(error) }));
    server.on('listening', () => {
      emit('listening', { port: server.address().port });
      emit('done', { op: 'listen' });
    });
  },
  connect(command) {
    const ws = new WebSocket(command.url, { perMessageDeflate: deflateOptions(command) });
    let extensions = '';
    ws.on('upgrade', (response) => {
      extensions = response.headers['sec-websocket-extensions'] || '';
    });
    ws.on('open', () => {
      run(ws, 'client', extensions, null);
      emit('done', { op: 'connect' });
    });
    ws.on('error', (error) => {
      if (current !== ws) emit('error', { op: 'connect', error: String(error) });
    });
  },
  ping(command) {
    current.ping(command.data);
    emit('done', { op: 'ping' });
  },
  close(command) {
    current.close(command.code, command.reason);
    emit('done', { op: 'close' });
  },
  fragments(command) {
    echoFragments = command.count;
    emit('done', { op: 'fragments' });
  },
};

function stop() {
  for (const server of servers) server.close();
  if (current) current.terminate();
  process.exit(0);
}

const input = readline.createInterface({ input: process.stdin });
input.on('line', (line) => {
  const command = JSON.parse(line);
  if (command.op === 'stop') return stop();
  try {
    commands[command.op](command);
  } catch (error) {
    emit('error', { op: command.op, error: String(error) });
  }
});
// The test went away: stdin is closed.
input.on('close', stop);

emit('ready', { implementation: 'ws', version: wsPackage.version, node: process.version });
