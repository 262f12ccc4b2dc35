// The Kafka node's files and errors in secure mode, with a stand-in `java` (no broker starts): the files holding
// the SASL password are readable by their owner only, and a failing storage tool that echoes its arguments
// shows no password in the error.
import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DevstackError } from '../src/errors.js';
import { startKafkaNode } from '../src/kafka.js';
import type { Certificates } from '../src/tls.js';

describe('Kafka node in secure mode', () => {
  it('writes server.properties owner-only, and a storage tool that echoes its arguments shows no password', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'skein-kafka-node-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    // A java that fails as a storage tool quoting its arguments (--add-scram name=…,password=…) would.
    const java = join(dir, 'java');
    writeFileSync(java, '#!/bin/sh\necho "Invalid arguments:" >&2\ncat "${1#@}" >&2\nexit 1\n', {
      mode: 0o755,
    });
    const password = 'Never-shown.pw_42';
    const node = join(dir, 'node');
    const properties = join(node, 'config', 'server.properties');
    // A server.properties from before, readable by all and held open by a reader.
    mkdirSync(join(node, 'config'), { recursive: true });
    writeFileSync(properties, 'old=1\n', { mode: 0o644 });
    const reader = openSync(properties, 'r');
    t.after(() => closeSync(reader));

    await assert.rejects(
      startKafkaNode({ bin: java, home: dir, major: 21 }, ['kafka.jar'], {
        dir: node,
        port: 19092,
        controllerPort: 19093,
        ownerPid: process.pid,
        secure: {
          saslSslPort: 19094,
          sslPort: 19095,
          certs: { caFile: 'ca.crt', serverPemFile: 'server.pem' } as Certificates,
          username: 'skein',
          password,
        },
      }),
      (err: unknown) => {
        assert.ok(err instanceof DevstackError, String(err));
        assert.equal(err.code, 'DEVSTACK_INSTALL_FAILED');
        assert.match(err.message, /^Formatting Kafka storage in .* failed: Invalid arguments:/);
        assert.match(err.message, /"SCRAM-SHA-512=\[name=skein,password=\[REDACTED\]\]"/);
        assert.equal(err.message.includes(password), false);
        assert.equal(err.cause, undefined, 'the raw error, with the whole output, is not passed on');
        return true;
      },
    );
    assert.equal(statSync(properties).mode & 0o777, 0o600);
    // The old file, as its reader sees it, never received the password.
    const seen = Buffer.alloc(4096);
    assert.equal(seen.subarray(0, readSync(reader, seen, 0, seen.length, 0)).toString(), 'old=1\n');
  });
});
