import type { AddressInfo, Server } from 'node:net';

/** Starts `server` (HTTP or HTTPS) on host:port (0 picks a free port); resolves to the bound port, rejects with the bind error. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
