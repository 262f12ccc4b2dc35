// gRPC servers' start and drain, shared by the agent's receivers and the query service.
import * as grpc from '@grpc/grpc-js';
import { SkeinError } from '../errors.js';
import type { Logger } from '../log/logger.js';

/**
 * Binds `server` to host:port (0 picks a free port) with `credentials` (plaintext without) and resolves with the
 * bound port; LISTEN_FAILED otherwise.
 */
export function bindGrpcServer(
  server: grpc.Server,
  host: string,
  port: number,
  names: { receiver: string; portSetting: string },
  credentials: grpc.ServerCredentials = grpc.ServerCredentials.createInsecure(),
): Promise<number> {
  const address = `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
  return new Promise<number>((resolve, reject) => {
    server.bindAsync(address, credentials, (err, bound) => {
      if (!err) return resolve(bound);
      server.forceShutdown();
      reject(
        new SkeinError(
          'LISTEN_FAILED',
          `${names.receiver} cannot listen on ${address}: ${err.message}; free the port or change the ${names.portSetting}`,
          { cause: err },
        ),
      );
    });
  });
}

/** Stops accepting calls and lets those in flight finish; what is still open at `deadline` is cut off. */
export function drainGrpcServer(
  server: grpc.Server,
  deadline: number,
  logger: Logger,
  receiver: string,
): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(
      () => {
        logger.warn(`${receiver} did not drain before the deadline; closing open calls`);
        server.forceShutdown();
        resolve();
      },
      Math.max(0, deadline - Date.now()),
    );
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
