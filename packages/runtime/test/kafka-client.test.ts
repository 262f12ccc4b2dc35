import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logLevel } from 'kafkajs';
import { kafkaLogCreator } from '../src/clients/kafka.js';
import { createLogger } from '../src/log/logger.js';

describe('kafkaLogCreator', () => {
  it("passes kafkajs's lines on with only whether TLS and SASL settings are set", () => {
    const lines: string[] = [];
    const log = kafkaLogCreator(createLogger({ level: 'debug', write: (l) => lines.push(l) }))(
      logLevel.DEBUG,
    );
    log({
      namespace: 'Connection',
      level: logLevel.ERROR,
      label: 'ERROR',
      log: {
        timestamp: '2026-11-25T00:00:00.000Z',
        message: 'Connection error: read ECONNRESET',
        broker: '127.0.0.1:9094',
        sasl: { mechanism: 'plain', username: 'alice', password: 'bridge-pw-1234' },
        ssl: { key: '-----BEGIN PRIVATE KEY-----' },
        password: 'bridge-pw-1234',
      },
    });
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0] as string) as Record<string, unknown>;
    // kafkajs reports retried connection failures as errors: they are warnings here.
    assert.equal(line.level, 'warn');
    assert.equal(line.msg, 'kafkajs: Connection error: read ECONNRESET');
    assert.equal(line.broker, '127.0.0.1:9094');
    assert.equal(line.sasl, true);
    assert.equal(line.ssl, true);
    assert.equal(line.password, true);
    assert.equal((lines[0] as string).includes('bridge-pw-1234'), false);
    assert.equal((lines[0] as string).includes('PRIVATE KEY'), false);
  });
});
