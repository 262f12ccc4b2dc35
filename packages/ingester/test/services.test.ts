import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Span } from '@skein/model';
import { ServiceOperationCache, serviceDocumentId } from '../src/index/services.js';

const DAY_1 = Date.UTC(2024, 2, 10, 12) * 1000;
const DAY_2 = Date.UTC(2024, 2, 11, 0, 0, 0, 1) * 1000;

function span(service: string, operation: string, startTime = DAY_1): Span {
  return {
    traceId: '0000000000000000000000000000000a',
    spanId: '000000000000000b',
    operationName: operation,
    references: [],
    flags: 1,
    startTime,
    duration: 10,
    tags: [],
    logs: [],
    process: { serviceName: service, tags: [] },
  };
}

describe('serviceDocumentId', () => {
  it("is Jaeger's FNV-1a 64 of service then operation, in hex", () => {
    assert.equal(
      serviceDocumentId({ serviceName: 'service', operationName: 'operation' }),
      'de3b5a8f1a79989d',
    );
    assert.equal(
      serviceDocumentId({ serviceName: 'frontend', operationName: 'HTTP GET /dispatch' }),
      '15441fb455e8c7b6',
    );
    assert.equal(serviceDocumentId({ serviceName: 'café', operationName: 'ñ' }), '62556dd1d3a1957d');
    assert.equal(serviceDocumentId({ serviceName: '', operationName: '' }), 'cbf29ce484222325');
  });

  it('joins the names without a separator, as Jaeger does', () => {
    assert.equal(
      serviceDocumentId({ serviceName: 'servic', operationName: 'eoperation' }),
      'de3b5a8f1a79989d',
    );
  });
});

describe('ServiceOperationCache', () => {
  it('admits a (service, operation) once per UTC day', () => {
    const cache = new ServiceOperationCache(10);
    assert.deepEqual(cache.admit(span('frontend', 'GET /')), {
      serviceName: 'frontend',
      operationName: 'GET /',
    });
    assert.equal(cache.admit(span('frontend', 'GET /', DAY_1 + 3_600_000_000)), undefined);
    assert.deepEqual(cache.admit(span('frontend', 'POST /')), {
      serviceName: 'frontend',
      operationName: 'POST /',
    });
    assert.deepEqual(cache.admit(span('backend', 'GET /')), {
      serviceName: 'backend',
      operationName: 'GET /',
    });
    assert.deepEqual(cache.admit(span('frontend', 'GET /', DAY_2)), {
      serviceName: 'frontend',
      operationName: 'GET /',
    });
    assert.equal(cache.admit(span('frontend', 'GET /', DAY_2)), undefined);
    assert.equal(cache.size, 4);
  });

  it('keeps names apart whatever characters they contain', () => {
    const cache = new ServiceOperationCache(10);
    assert.notEqual(cache.admit(span('a","b', 'c')), undefined);
    assert.notEqual(cache.admit(span('a', 'b","c')), undefined);
  });

  it('forgets the least recently seen pair when full', () => {
    const cache = new ServiceOperationCache(2);
    assert.notEqual(cache.admit(span('s', 'a')), undefined);
    assert.notEqual(cache.admit(span('s', 'b')), undefined);
    assert.equal(cache.admit(span('s', 'a')), undefined); // a is now the most recent
    assert.notEqual(cache.admit(span('s', 'c')), undefined); // evicts b
    assert.equal(cache.size, 2);
    assert.equal(cache.admit(span('s', 'a')), undefined);
    assert.equal(cache.admit(span('s', 'c')), undefined);
    assert.deepEqual(cache.admit(span('s', 'b')), { serviceName: 's', operationName: 'b' });
  });

  it('admits a pair again after forget(), for a write that failed', () => {
    const cache = new ServiceOperationCache(10);
    assert.notEqual(cache.admit(span('s', 'a')), undefined);
    cache.forget(span('s', 'a', DAY_1 + 1));
    assert.equal(cache.size, 0);
    assert.deepEqual(cache.admit(span('s', 'a')), { serviceName: 's', operationName: 'a' });
  });

  it('gives the daily index and Jaeger _id with admitDocument', () => {
    const cache = new ServiceOperationCache(10);
    assert.deepEqual(cache.admitDocument(span('service', 'operation', DAY_2), 'v2-'), {
      index: 'v2-jaeger-service-2024-03-11',
      id: 'de3b5a8f1a79989d',
      doc: { serviceName: 'service', operationName: 'operation' },
    });
    assert.equal(cache.admitDocument(span('service', 'operation', DAY_2), 'v2-'), undefined);
  });

  it('keeps each span kind of an operation, with the Jaeger _id for a span without one', () => {
    const cache = new ServiceOperationCache(10);
    const kind = (k: string): Span => ({
      ...span('service', 'operation', DAY_2),
      tags: [{ key: 'span.kind', type: 'string', value: k }],
    });
    const server = cache.admitDocument(kind('server'), '');
    assert.deepEqual(server?.doc, { serviceName: 'service', operationName: 'operation', spanKind: 'server' });
    assert.notEqual(server?.id, 'de3b5a8f1a79989d');
    assert.equal(cache.admitDocument(kind('server'), ''), undefined);
    const client = cache.admitDocument(kind('client'), '');
    assert.deepEqual(client?.doc, { serviceName: 'service', operationName: 'operation', spanKind: 'client' });
    assert.notEqual(client?.id, server?.id);
    assert.equal(cache.admitDocument(span('service', 'operation', DAY_2), '')?.id, 'de3b5a8f1a79989d');
    // An empty kind is no kind.
    assert.equal(cache.admitDocument(kind(''), ''), undefined);
  });

  it('rejects a size below 1', () => {
    assert.throws(() => new ServiceOperationCache(0), RangeError);
    assert.throws(() => new ServiceOperationCache(1.5), RangeError);
  });
});
