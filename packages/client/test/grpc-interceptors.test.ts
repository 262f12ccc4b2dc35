// The grpc-js interceptors on a real server and client: unary and all streaming kinds, errors, cancellation,
// the server span as the client span's child, and outgoing calls from a handler as the server span's children.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { Span } from '@skein/model';
import {
  ConstSampler,
  InMemoryReporter,
  JaegerTracer,
  NoopTracer,
  createProcess,
  tracingClientInterceptor,
  tracingServerInterceptor,
  type ClientTracer,
} from '../src/index.js';

interface Request {
  text: string;
  fail?: boolean;
  throws?: boolean;
  nested?: boolean;
}

const serialize = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const deserialize = (bytes: Buffer): unknown => JSON.parse(bytes.toString()) as unknown;
const method = (path: string, requestStream: boolean, responseStream: boolean) => ({
  path,
  requestStream,
  responseStream,
  requestSerialize: serialize,
  requestDeserialize: deserialize,
  responseSerialize: serialize,
  responseDeserialize: deserialize,
});
const SERVICE = {
  unary: method('/test.Echo/Unary', false, false),
  serverStream: method('/test.Echo/ServerStream', false, true),
  clientStream: method('/test.Echo/ClientStream', true, false),
  bidi: method('/test.Echo/Bidi', true, true),
} satisfies grpc.ServiceDefinition;
const EchoClient = grpc.makeGenericClientConstructor(SERVICE, 'Echo');
type Echo = grpc.Client & {
  unary(
    req: Request,
    options: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, res?: unknown) => void,
  ): void;
  unary(req: Request, cb: (err: grpc.ServiceError | null, res?: unknown) => void): void;
  serverStream(req: Request): grpc.ClientReadableStream<unknown>;
  clientStream(
    cb: (err: grpc.ServiceError | null, res?: unknown) => void,
  ): grpc.ClientWritableStream<unknown>;
  bidi(): grpc.ClientDuplexStream<unknown, unknown>;
};

function tracer(service: string, reporter: InMemoryReporter): JaegerTracer {
  return new JaegerTracer({ process: createProcess(service), reporter, sampler: new ConstSampler(true) });
}

function unary(client: Echo, req: Request, options: grpc.CallOptions = {}): Promise<unknown> {
  return new Promise((resolve, reject) =>
    client.unary(req, options, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

function tagsOf(span: Span | undefined): Record<string, unknown> {
  return Object.fromEntries((span?.tags ?? []).map((t) => [t.key, t.value]));
}

const OK_CLIENT_TAGS = {
  'sampler.type': 'const',
  'sampler.param': true,
  'span.kind': 'client',
  component: 'gRPC',
  'rpc.grpc.status_code': 0n,
};
const OK_SERVER_TAGS = { 'span.kind': 'server', component: 'gRPC', 'rpc.grpc.status_code': 0n };

describe('gRPC interceptors', () => {
  const clientSpans = new InMemoryReporter();
  const serverSpans = new InMemoryReporter();
  const clientTracer = tracer('caller', clientSpans);
  const serverTracer = tracer('callee', serverSpans);
  let server: grpc.Server;
  let client: Echo;
  let loopback: Echo;
  const activeInHandler: Array<unknown> = [];
  let cancelled: Promise<void> = Promise.resolve();
  let onCancelled: () => void = () => undefined;

  before(async () => {
    server = new grpc.Server({ interceptors: [tracingServerInterceptor(serverTracer)] });
    server.addService(SERVICE, {
      unary: (call: grpc.ServerUnaryCall<Request, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        activeInHandler.push(serverTracer.activeSpan());
        const req = call.request;
        if (req.throws) throw new Error('handler bug');
        if (req.fail) return callback({ code: grpc.status.NOT_FOUND, details: `no ${req.text}` });
        if (!req.nested) return callback(null, { echo: req.text });
        // An outgoing call made while handling this one: its span must be the server span's child.
        setImmediate(() => {
          loopback.unary({ text: `inner ${req.text}` }, (err, res) => callback(err, { outer: res }));
        });
      },
      serverStream: (call: grpc.ServerWritableStream<Request, unknown>) => {
        activeInHandler.push(serverTracer.activeSpan());
        if (call.request.text === 'hang') {
          call.write({ n: 0 });
          call.on('cancelled', () => onCancelled());
          return;
        }
        for (let n = 0; n < 3; n++) call.write({ n });
        call.end();
      },
      clientStream: (
        call: grpc.ServerReadableStream<Request, unknown>,
        callback: grpc.sendUnaryData<unknown>,
      ) => {
        activeInHandler.push(serverTracer.activeSpan());
        const texts: string[] = [];
        call.on('data', (m: Request) => texts.push(m.text));
        call.on('end', () => callback(null, { texts }));
      },
      bidi: (call: grpc.ServerDuplexStream<Request, unknown>) => {
        activeInHandler.push(serverTracer.activeSpan());
        call.on('data', (m: Request) => call.write({ echo: m.text }));
        call.on('end', () => call.end());
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    const address = `127.0.0.1:${port}`;
    const credentials = grpc.credentials.createInsecure();
    client = new EchoClient(address, credentials, {
      interceptors: [tracingClientInterceptor(clientTracer)],
    }) as unknown as Echo;
    loopback = new EchoClient(address, credentials, {
      interceptors: [tracingClientInterceptor(serverTracer)],
    }) as unknown as Echo;
  });

  after(async () => {
    client.close();
    loopback.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  });

  function reset(): void {
    clientSpans.clear();
    serverSpans.clear();
    activeInHandler.length = 0;
  }

  it('unary: a client span and its child server span, named after the method, status 0', async () => {
    reset();
    assert.deepEqual(await unary(client, { text: 'hi' }), { echo: 'hi' });
    const [c] = clientSpans.spans;
    const [s] = serverSpans.spans;
    assert.equal(c?.operationName, '/test.Echo/Unary');
    assert.equal(s?.operationName, '/test.Echo/Unary');
    assert.deepEqual(tagsOf(c), OK_CLIENT_TAGS);
    assert.deepEqual(tagsOf(s), OK_SERVER_TAGS);
    assert.equal(c?.process.serviceName, 'caller');
    assert.equal(s?.process.serviceName, 'callee');
    assert.equal(s?.traceId, c?.traceId);
    assert.equal(s?.parentSpanId, c?.spanId);
    assert.deepEqual(s?.references, [{ refType: 'CHILD_OF', traceId: c?.traceId, spanId: c?.spanId }]);
    assert.equal(c?.parentSpanId, undefined);
    // The handler ran with the server span active.
    assert.equal((activeInHandler[0] as { context(): { spanId: string } }).context().spanId, s?.spanId);
  });

  it('a call made inside a handler is the child of the server span (active span)', async () => {
    reset();
    assert.deepEqual(await unary(client, { text: 'x', nested: true }), { outer: { echo: 'inner x' } });
    const [c] = clientSpans.spans;
    // Finished in order: inner server, inner client, outer server.
    const [innerServer, innerClient, outerServer] = serverSpans.spans;
    assert.deepEqual(
      serverSpans.spans.map((s) => [s.operationName, tagsOf(s)['span.kind']]),
      [
        ['/test.Echo/Unary', 'server'],
        ['/test.Echo/Unary', 'client'],
        ['/test.Echo/Unary', 'server'],
      ],
    );
    assert.equal(outerServer?.parentSpanId, c?.spanId);
    assert.equal(innerClient?.parentSpanId, outerServer?.spanId);
    assert.equal(innerServer?.parentSpanId, innerClient?.spanId);
    assert.equal(new Set([c, innerServer, innerClient, outerServer].map((s) => s?.traceId)).size, 1);
    // Not a root span: no sampler tags.
    assert.deepEqual(tagsOf(innerClient), {
      'span.kind': 'client',
      component: 'gRPC',
      'rpc.grpc.status_code': 0n,
    });
  });

  it('an explicit childOf option wins over the active span', async () => {
    reset();
    const parent = clientTracer.startSpan('parent');
    const unrelated = clientTracer.startSpan('unrelated');
    await clientTracer.withSpan(unrelated, () =>
      unary(
        client,
        { text: 'p' },
        { interceptors: [tracingClientInterceptor(clientTracer, { childOf: parent })] },
      ),
    );
    await clientTracer.withSpan(unrelated, () => unary(client, { text: 'q' }));
    const [explicit, active] = clientSpans.spans;
    assert.equal(explicit?.parentSpanId, parent.context().spanId);
    assert.equal(active?.parentSpanId, unrelated.context().spanId);

    // onSpan sees each call's span as it starts.
    const started: string[] = [];
    const interceptor = tracingClientInterceptor(clientTracer, {
      onSpan: (span) => {
        span.setTag('request.id', 'r-1');
        started.push(span.context().toSpanId());
      },
    });
    await unary(client, { text: 'r' }, { interceptors: [interceptor] });
    const last = clientSpans.spans[2];
    assert.deepEqual(started, [last?.spanId]);
    assert.equal(tagsOf(last)['request.id'], 'r-1');
  });

  it('non-OK status: error=true, the status code, and an error log on both sides', async () => {
    reset();
    await assert.rejects(unary(client, { text: 'widget', fail: true }), { code: grpc.status.NOT_FOUND });
    for (const [span, kind] of [
      [clientSpans.spans[0], 'client'],
      [serverSpans.spans[0], 'server'],
    ] as const) {
      assert.deepEqual(tagsOf(span), {
        ...(kind === 'client' ? OK_CLIENT_TAGS : OK_SERVER_TAGS),
        'rpc.grpc.status_code': 5n,
        error: true,
      });
      assert.deepEqual(span?.logs[0]?.fields, [
        { key: 'event', type: 'string', value: 'error' },
        { key: 'error.kind', type: 'string', value: 'NOT_FOUND' },
        { key: 'message', type: 'string', value: 'no widget' },
      ]);
    }
  });

  it('a handler that throws: UNKNOWN on both spans', async () => {
    reset();
    await assert.rejects(unary(client, { text: 't', throws: true }), { code: grpc.status.UNKNOWN });
    assert.equal(tagsOf(serverSpans.spans[0])['rpc.grpc.status_code'], 2n);
    assert.equal(tagsOf(clientSpans.spans[0])['rpc.grpc.status_code'], 2n);
    assert.equal(tagsOf(serverSpans.spans[0])['error'], true);
  });

  it('server streaming, client streaming and bidi calls each get one span per side', async () => {
    reset();
    const received: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      const call = client.serverStream({ text: 'go' });
      call.on('data', (m: unknown) => received.push(m));
      call.on('error', reject);
      call.on('status', () => resolve());
    });
    assert.deepEqual(received, [{ n: 0 }, { n: 1 }, { n: 2 }]);

    const summary = await new Promise<unknown>((resolve, reject) => {
      const call = client.clientStream((err, res) => (err ? reject(err) : resolve(res)));
      call.write({ text: 'a' });
      call.write({ text: 'b' });
      call.end();
    });
    assert.deepEqual(summary, { texts: ['a', 'b'] });

    const echoes: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      const call = client.bidi();
      call.on('data', (m: unknown) => echoes.push(m));
      call.on('error', reject);
      call.on('status', () => resolve());
      call.write({ text: 'x' });
      call.write({ text: 'y' });
      call.end();
    });
    assert.deepEqual(echoes, [{ echo: 'x' }, { echo: 'y' }]);

    const names = ['/test.Echo/ServerStream', '/test.Echo/ClientStream', '/test.Echo/Bidi'];
    assert.deepEqual(
      clientSpans.spans.map((s) => s.operationName),
      names,
    );
    assert.deepEqual(
      serverSpans.spans.map((s) => s.operationName),
      names,
    );
    for (const [i, s] of serverSpans.spans.entries()) {
      assert.deepEqual(tagsOf(s), OK_SERVER_TAGS);
      assert.deepEqual(tagsOf(clientSpans.spans[i]), OK_CLIENT_TAGS);
      assert.equal(s.parentSpanId, clientSpans.spans[i]?.spanId);
      // Every handler kind ran with its server span active.
      assert.equal((activeInHandler[i] as { context(): { spanId: string } }).context().spanId, s.spanId);
    }
  });

  it('a call the client cancels: CANCELLED on both spans', async () => {
    reset();
    cancelled = new Promise<void>((resolve) => {
      onCancelled = resolve;
    });
    const status = await new Promise<grpc.StatusObject>((resolve) => {
      const call = client.serverStream({ text: 'hang' });
      call.on('data', () => call.cancel());
      call.on('error', () => undefined);
      call.on('status', resolve);
    });
    await cancelled;
    assert.equal(status.code, grpc.status.CANCELLED);
    assert.equal(tagsOf(clientSpans.spans[0])['rpc.grpc.status_code'], 1n);
    assert.equal(tagsOf(serverSpans.spans[0])['rpc.grpc.status_code'], 1n);
    assert.equal(tagsOf(serverSpans.spans[0])['error'], true);
  });

  it('work with a disabled (no-op) tracer', async () => {
    const noop: ClientTracer = new NoopTracer('off');
    const server2 = new grpc.Server({ interceptors: [tracingServerInterceptor(noop)] });
    server2.addService(SERVICE, {
      unary: (call: grpc.ServerUnaryCall<Request, unknown>, cb: grpc.sendUnaryData<unknown>) =>
        cb(null, { echo: call.request.text }),
      serverStream: () => undefined,
      clientStream: () => undefined,
      bidi: () => undefined,
    });
    const port = await new Promise<number>((resolve, reject) =>
      server2.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    const c = new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      interceptors: [tracingClientInterceptor(noop)],
    }) as unknown as Echo;
    assert.deepEqual(await unary(c, { text: 'quiet' }), { echo: 'quiet' });
    c.close();
    await new Promise<void>((resolve) => server2.tryShutdown(() => resolve()));
  });
});
