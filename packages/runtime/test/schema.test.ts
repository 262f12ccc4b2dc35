import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../src/errors.js';
import { configHelp, envName, field, loadConfig } from '../src/config/schema.js';

const schema = {
  'kafka.brokers': field.list(['127.0.0.1:9092'], 'Kafka bootstrap servers'),
  'kafka.topic': field.string('skein-spans', 'Spans topic'),
  'queue.max-spans': field.int(100_000, 'Queue bound', { min: 1 }),
  'http.port': field.port(14268, 'HTTP receiver', { env: ['JAEGER_HTTP_PORT'] }),
  'flush.interval': field.duration('1s', 'Flush interval'),
  'max.packet': field.size('65000', 'Largest UDP packet'),
  compression: field.oneOf(['none', 'gzip', 'lz4', 'zstd'], 'none', 'Producer compression'),
  'tls.enabled': field.boolean(false, 'Use TLS'),
  'sasl.password': field.optionalString('SASL password', { secret: true }),
};

function yamlFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'skein-config-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, text);
  return file;
}

describe('loadConfig', () => {
  it('returns typed defaults when nothing is given', () => {
    const { config, sources } = loadConfig(schema, { env: {} });
    assert.deepEqual(config['kafka.brokers'], ['127.0.0.1:9092']);
    assert.equal(config['queue.max-spans'], 100_000);
    assert.equal(config['flush.interval'], 1000);
    assert.equal(config['max.packet'], 65000);
    assert.equal(config['sasl.password'], undefined);
    assert.equal(sources['kafka.topic'], 'default');
  });

  it('layers file < environment < flags', () => {
    const file = yamlFile(
      'kafka:\n  topic: from-file\n  brokers: [a:1, b:2]\nflush.interval: 250ms\ncompression: gzip\n',
    );
    const { config, sources } = loadConfig(schema, {
      env: { SKEIN_KAFKA_TOPIC: 'from-env', SKEIN_COMPRESSION: 'lz4', SKEIN_CONFIG: file },
      argv: ['--compression', 'zstd', '--tls.enabled'],
    });
    assert.deepEqual(config['kafka.brokers'], ['a:1', 'b:2']);
    assert.equal(config['kafka.topic'], 'from-env');
    assert.equal(config['flush.interval'], 250);
    assert.equal(config.compression, 'zstd');
    assert.equal(config['tls.enabled'], true);
    assert.equal(sources['kafka.brokers'], `file ${file}`);
    assert.equal(sources.compression, 'flag --compression');
  });

  it('accepts --key=value, dashed flag names, --no-<bool> and extra env names', () => {
    const { config, args } = loadConfig(schema, {
      env: { JAEGER_HTTP_PORT: '15000' },
      argv: ['up', '--queue-max-spans=5', '--no-tls.enabled', 'extra'],
    });
    assert.equal(config['queue.max-spans'], 5);
    assert.equal(config['tls.enabled'], false);
    assert.equal(config['http.port'], 15000);
    assert.deepEqual(args, ['up', 'extra']);
  });

  it('prefers SKEIN_ names over Jaeger aliases', () => {
    const { config } = loadConfig(schema, { env: { JAEGER_HTTP_PORT: '15000', SKEIN_HTTP_PORT: '16000' } });
    assert.equal(config['http.port'], 16000);
  });

  it('names the key, the source and what was expected when a value is bad', () => {
    assert.throws(
      () => loadConfig(schema, { env: { SKEIN_QUEUE_MAX_SPANS: '0' } }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.code === 'CONFIG_INVALID' &&
        err.key === 'queue.max-spans' &&
        err.message ===
          'queue.max-spans: expected an integer from 1 to 9007199254740991, got "0" (from env SKEIN_QUEUE_MAX_SPANS)',
    );
    assert.throws(
      () => loadConfig(schema, { env: {}, argv: ['--flush.interval', 'soon'] }),
      /flush\.interval: expected a duration/,
    );
    assert.throws(
      () => loadConfig(schema, { env: {}, argv: ['--compression=brotli'] }),
      /compression: expected one of none, gzip, lz4, zstd/,
    );
    assert.throws(
      () => loadConfig(schema, { env: {}, argv: ['--http.port', '70000'] }),
      /http\.port: expected an integer from 0 to 65535/,
    );
  });

  it('never echoes a secret value in an error', () => {
    assert.throws(
      () =>
        loadConfig(
          { token: field.int(0, 'not really', {}, { secret: true }) },
          { env: { SKEIN_TOKEN: 'hunter2' } },
        ),
      (err: unknown) => err instanceof ConfigError && !err.message.includes('hunter2'),
    );
  });

  it('rejects unknown flags and unknown file keys by name', () => {
    assert.throws(
      () => loadConfig(schema, { env: {}, argv: ['--kafka.brokerz', 'x'] }),
      /--kafka\.brokerz: unknown option/,
    );
    const file = yamlFile('kafka:\n  topik: x\n');
    assert.throws(() => loadConfig(schema, { env: {}, file }), /kafka\.topik: unknown key in/);
    assert.throws(
      () => loadConfig(schema, { env: {}, argv: ['--kafka.topic'] }),
      /--kafka\.topic: needs a value/,
    );
    assert.throws(
      () => loadConfig(schema, { env: {}, file: '/nonexistent/skein.yaml' }),
      /cannot read the config file/,
    );
  });

  it('reports a YAML syntax error by kind, line and column, never quoting the file', () => {
    const secret = 'hunter2-in-yaml';
    const cases: Array<[string, string]> = [
      [
        `kafka:\n  topic: x\nsasl.password: "${secret}\n  oops: [\n`,
        'is not valid YAML: a closing quote or bracket is missing at line 5, column 1 (MISSING_CHAR)',
      ],
      [
        `sasl:\n  password: ${secret}\n  password: ${secret}-2\n`,
        'is not valid YAML: a key appears twice in the same mapping at line 3, column 3 (DUPLICATE_KEY)',
      ],
      [
        `sasl:\n  password: ${secret}\n   oops: x\n`,
        'is not valid YAML: a nested mapping where a value was expected (check the indentation) at line 2, column 13 (BLOCK_AS_IMPLICIT_KEY)',
      ],
      [
        `sasl.password: *${secret}\n`,
        'is not valid YAML: an alias (*name) refers to no anchor, or expands too far',
      ],
    ];
    for (const [text, expected] of cases) {
      const file = yamlFile(text);
      assert.throws(
        () => loadConfig(schema, { env: {}, file }),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.equal(err.key, file);
          assert.equal(err.message, `${file}: ${expected} (the line is not shown: it may hold a secret)`);
          return true;
        },
      );
    }
  });

  it('documents every key with flag, env and default', () => {
    const help = configHelp(schema);
    for (const key of Object.keys(schema)) {
      assert.ok(help.includes(`--${key} <`), key);
      assert.ok(help.includes(envName(key)), envName(key));
    }
    assert.ok(help.includes('env SKEIN_HTTP_PORT, JAEGER_HTTP_PORT'));
    assert.ok(help.includes('default "100000"'));
    assert.equal(envName('queue.max-spans'), 'SKEIN_QUEUE_MAX_SPANS');
  });
});
