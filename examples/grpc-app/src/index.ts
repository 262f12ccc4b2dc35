import * as grpc from '@grpc/grpc-js';
import { tracingClientInterceptor, tracingServerInterceptor, type ClientTracer } from '@skein/client';
import {
  Directory,
  Greeter,
  type DirectoryClient,
  type GreetReply,
  type GreetRequest,
  type GreeterClient,
  type LookupReply,
  type LookupRequest,
} from './proto.js';

/** Ports the example uses when none are given. */
export const DEFAULT_GREETER_PORT = 50051;
export const DEFAULT_DIRECTORY_PORT = 50052;

/** The users the directory knows. */
export const USERS: Readonly<Record<string, string>> = { '42': 'Ada Lovelace', '7': 'Grace Hopper' };

export interface ServiceOptions {
  tracer: ClientTracer;
  /** 0 picks a free port (see `port` on the result). */
  port?: number;
  host?: string;
}

export interface RunningService {
  readonly port: number;
  /** host:port to give a client. */
  readonly address: string;
  /** Stops taking calls, lets calls in flight finish, then closes the tracer's reporter. */
  stop(): Promise<void>;
}

/** Service B: `skein.example.Directory/Lookup` answers a user's name, or NOT_FOUND. */
export async function startDirectory(options: ServiceOptions): Promise<RunningService> {
  const server = new grpc.Server({ interceptors: [tracingServerInterceptor(options.tracer)] });
  server.addService(Directory.service, {
    lookup: (
      call: grpc.ServerUnaryCall<LookupRequest, LookupReply>,
      callback: grpc.sendUnaryData<LookupReply>,
    ) => {
      const name = USERS[call.request.userId];
      if (name === undefined) {
        callback({ code: grpc.status.NOT_FOUND, details: `no user ${JSON.stringify(call.request.userId)}` });
        return;
      }
      callback(null, { name });
    },
  });
  return listen(server, options);
}

export interface GreeterOptions extends ServiceOptions {
  /** host:port of the directory. */
  directory: string;
}

/** Service A: `skein.example.Greeter/Greet` looks the user up in the directory and greets them. */
export async function startGreeter(options: GreeterOptions): Promise<RunningService> {
  const { tracer } = options;
  // The interceptor parents each outgoing call on the active span: the server span of the call being handled.
  const directory = new Directory(options.directory, grpc.credentials.createInsecure(), {
    interceptors: [tracingClientInterceptor(tracer)],
  }) as unknown as DirectoryClient;
  const server = new grpc.Server({ interceptors: [tracingServerInterceptor(tracer)] });
  server.addService(Greeter.service, {
    greet: (
      call: grpc.ServerUnaryCall<GreetRequest, GreetReply>,
      callback: grpc.sendUnaryData<GreetReply>,
    ) => {
      directory.lookup({ userId: call.request.userId }, (err, reply) => {
        if (err) {
          callback({ code: err.code, details: `directory: ${err.details}` });
          return;
        }
        callback(null, { message: `Hello, ${reply?.name ?? ''}!` });
      });
    },
  });
  const running = await listen(server, options);
  return {
    ...running,
    port: running.port,
    address: running.address,
    stop: async () => {
      await running.stop();
      directory.close();
    },
  };
}

export interface GreetOptions {
  tracer: ClientTracer;
  /** host:port of the greeter. */
  greeter: string;
  userId: string;
  deadlineMs?: number;
}

export interface GreetResult {
  message: string;
  /** The trace this call started, as the query API and Jaeger UI show it. */
  traceId: string;
}

/** The client: one traced call to the greeter. Rejects with the gRPC error on a non-OK status. */
export async function greet(options: GreetOptions): Promise<GreetResult> {
  let traceId = '';
  const client = new Greeter(options.greeter, grpc.credentials.createInsecure(), {
    interceptors: [
      tracingClientInterceptor(options.tracer, {
        onSpan: (span) => {
          traceId = span.context().toTraceId();
        },
      }),
    ],
  }) as unknown as GreeterClient;
  try {
    const reply = await new Promise<GreetReply>((resolve, reject) => {
      client.greet({ userId: options.userId }, (err, r) => (err ? reject(err) : resolve(r as GreetReply)));
    });
    return { message: reply.message, traceId };
  } finally {
    client.close();
  }
}

async function listen(server: grpc.Server, options: ServiceOptions): Promise<RunningService> {
  const host = options.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    );
  });
  let stopping: Promise<void> | undefined;
  return {
    port,
    address: `${host.includes(':') ? `[${host}]` : host}:${port}`,
    stop: () =>
      (stopping ??= (async () => {
        await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
        await options.tracer.close();
      })()),
  };
}
