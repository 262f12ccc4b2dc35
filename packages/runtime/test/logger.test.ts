import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import { createElasticsearch } from '../src/clients/elasticsearch.js';
import { createLogger } from '../src/log/logger.js';
import { listen } from '../src/net/listen.js';
import { resolveEsSecurity } from '../src/security/elasticsearch.js';

describe('createLogger', () => {
  it('writes one JSON object per line with level, message and fields', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l), fields: { component: 'agent' } });
    log
      .child({ partition: 3 })
      .warn('slow', { offset: 12n, err: Object.assign(new Error('boom'), { code: 'X' }) });
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0] as string) as Record<string, unknown>;
    assert.equal(line.level, 'warn');
    assert.equal(line.msg, 'slow');
    assert.equal(line.component, 'agent');
    assert.equal(line.partition, 3);
    assert.equal(line.offset, '12');
    assert.deepEqual(
      { ...(line.err as object), stack: undefined },
      { message: 'boom', code: 'X', stack: undefined },
    );
    assert.match(String(line.time), /^\d{4}-\d\d-\d\dT/);
  });

  it('drops lines below its level', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', format: 'pretty', write: (l) => lines.push(l) });
    log.debug('a');
    log.info('b');
    log.error('c', { topic: 'skein-spans' });
    assert.equal(lines.length, 1);
    assert.match(lines[0] as string, /ERROR c {2}topic=skein-spans$/);
  });
});

describe('createLogger redaction', () => {
  it('replaces each secret in JSON lines, in children too, also where JSON escaped it', () => {
    const lines: string[] = [];
    const quoted = 'q"uo\\te-secret';
    const log = createLogger({ write: (l) => lines.push(l), redact: ['s3cr3t-pass', quoted] });
    log.info('connecting with s3cr3t-pass', { password: 's3cr3t-pass', nested: { value: quoted } });
    log.child({ module: 'kafka' }).warn('failed', { error: new Error(`auth failed for s3cr3t-pass`) });
    assert.equal(lines.length, 2);
    for (const line of lines) {
      assert.equal(line.includes('s3cr3t-pass'), false, line);
      assert.equal(line.includes('uo\\\\te'), false, line);
    }
    const first = JSON.parse(lines[0] as string) as Record<string, unknown>;
    assert.equal(first.msg, 'connecting with [REDACTED]');
    assert.equal(first.password, '[REDACTED]');
    assert.deepEqual(first.nested, { value: '[REDACTED]' });
    const second = JSON.parse(lines[1] as string) as { module: string; error: { message: string } };
    assert.equal(second.module, 'kafka');
    assert.equal(second.error.message, 'auth failed for [REDACTED]');
  });

  it('asks a redact function at every line, so secrets known later are covered', () => {
    const lines: string[] = [];
    const secrets: string[] = [];
    const log = createLogger({ format: 'pretty', write: (l) => lines.push(l), redact: () => secrets });
    const child = log.child({ module: 'sasl' });
    child.info('token later-token');
    secrets.push('later-token');
    child.info('token later-token', { again: 'later-token' });
    assert.match(lines[0] as string, /token later-token {2}module=sasl$/);
    assert.match(lines[1] as string, /token \[REDACTED\] {2}module=sasl again=\[REDACTED\]$/);
  });
});

describe('createLogger and errors', () => {
  const formats = ['json', 'pretty'] as const;

  it('writes an Error at any depth as message, code and stack only, in both formats', () => {
    const meta = { headers: { authorization: 'Basic c2tlaW46aHVudGVyMg==' }, body: 'from the server' };
    const wrapped = Object.assign(new Error('request failed'), { code: 'E_REQ', meta });
    for (const format of formats) {
      const lines: string[] = [];
      createLogger({ format, write: (l) => lines.push(l) }).warn('failed', {
        error: wrapped,
        context: { attempt: 2, cause: wrapped },
        failures: [wrapped, { originalError: wrapped }],
      });
      const line = lines.join('\n');
      assert.equal(lines.length, 1);
      assert.equal(line.split('"message":"request failed","code":"E_REQ"').length - 1, 4, line);
      for (const hidden of ['authorization', 'c2tlaW46aHVudGVyMg', 'from the server', '"meta"'])
        assert.equal(line.includes(hidden), false, `${format}: ${line}`);
    }
  });

  it('logs a real Elasticsearch client error (401) with neither its meta nor its headers, in both formats', async (t) => {
    const password = 'es-logger-secret-7';
    let authorization: string | undefined;
    const server = createServer((req, res) => {
      authorization = req.headers.authorization;
      res.writeHead(401, {
        'content-type': 'application/json',
        'x-elastic-product': 'Elasticsearch',
        'www-authenticate': 'Basic realm="security"',
      });
      res.end(
        JSON.stringify({
          error: { type: 'security_exception', reason: 'unable to authenticate user [skein]' },
          status: 401,
        }),
      );
    });
    const port = await listen(server, 0, '127.0.0.1');
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const security = resolveEsSecurity({
      'es.url': `http://127.0.0.1:${port}`,
      'es.username': 'skein',
      'es.password': password,
      'es.password-file': undefined,
      'es.api-key': undefined,
      'es.api-key-file': undefined,
      'es.tls.ca-file': undefined,
      'es.tls.cert-file': undefined,
      'es.tls.key-file': undefined,
      'es.tls.insecure-skip-verify': false,
    });
    const client = createElasticsearch({ ...security, maxRetries: 0 });
    const err = await client.info().then(
      () => assert.fail('expected a 401'),
      (e: unknown) => e,
    );
    await client.close();
    assert.ok(err instanceof Error && err.name === 'ResponseError', String(err));
    assert.equal(authorization, `Basic ${Buffer.from(`skein:${password}`).toString('base64')}`);
    for (const format of formats) {
      const lines: string[] = [];
      const logger = createLogger({ format, write: (l) => lines.push(l) });
      logger.error('bulk request failed', { error: err });
      logger.warn('retrying', { last: { error: err }, errors: [err] });
      const output = lines.join('\n');
      assert.equal(lines.length, 2);
      assert.match(output, /security_exception/);
      const hiddenValues: string[] = [
        password,
        authorization ?? 'Basic',
        'authorization',
        'www-authenticate',
        'x-elastic-product',
        'meta',
      ];
      for (const hidden of hiddenValues) {
        assert.equal(
          output.toLowerCase().includes(hidden.toLowerCase()),
          false,
          `${format}: ${hidden} in ${output}`,
        );
      }
    }
  });
});
