// A query service in this process, and a small HTTP client for its API.
import { freePort } from '@skein/devstack';
import { queryComponent } from '@skein/query';
import { runComponent, type RunningComponent } from '@skein/runtime';

export interface TestQuery extends RunningComponent {
  httpPort: number;
  grpcPort: number;
  adminPort: number;
  /** GET `path` on the HTTP API; the body parsed as JSON. */
  get(
    path: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: unknown; headers: Headers }>;
}

export async function startTestQuery(options: Record<string, string | number | boolean>): Promise<TestQuery> {
  // Ports are picked free, then bound: another test process may take one in between, so try again with new ones.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      if (attempt >= 5 || !String((err as Error).message).includes('EADDRINUSE')) throw err;
    }
  }
}

async function startOnce(options: Record<string, string | number | boolean>): Promise<TestQuery> {
  const [httpPort, grpcPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const argv = [
    `--http.port=${httpPort}`,
    '--http.host=127.0.0.1',
    `--grpc.port=${grpcPort}`,
    '--grpc.host=127.0.0.1',
    `--admin.port=${adminPort}`,
    '--admin.host=127.0.0.1',
    `--log.level=${process.env.SKEIN_TEST_LOG_LEVEL ?? 'error'}`,
    ...Object.entries(options).map(([k, v]) => `--${k}=${v}`),
  ];
  const running = await runComponent(queryComponent, { argv, handleSignals: false });
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`http://127.0.0.1:${httpPort}${path}`, { headers });
    const text = await response.text();
    return {
      status: response.status,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
      headers: response.headers,
    };
  };
  return Object.assign(running, { httpPort, grpcPort, adminPort, get });
}
