import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { listen } from '../net/listen.js';

export type HealthState = 'starting' | 'ok' | 'draining' | 'failed';

export interface HealthReport {
  state: HealthState;
  /** Named checks, each true when fine, shown in the /health body. */
  checks?: Record<string, boolean>;
}

export interface AdminServerOptions {
  port: number;
  host?: string;
  registry: Registry;
  health: () => HealthReport | Promise<HealthReport>;
}

export interface AdminServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves /metrics (Prometheus text), /health (readiness: 200 only when ok and every check passes,
 * 503 while starting, draining or failed) and /live (liveness: 200 while the process serves at all).
 */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    void (async () => {
      try {
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          res
            .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' })
            .end('{"error":"method not allowed"}');
        } else if (path === '/metrics') {
          const body = await options.registry.metrics();
          res.writeHead(200, { 'content-type': options.registry.contentType }).end(body);
        } else if (path === '/health' || path === '/') {
          const report = await options.health();
          const ok = report.state === 'ok' && Object.values(report.checks ?? {}).every(Boolean);
          res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              status: ok ? 'ok' : report.state === 'ok' ? 'degraded' : report.state,
              checks: report.checks ?? {},
            }),
          );
        } else if (path === '/live') {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"alive"}');
        } else {
          res
            .writeHead(404, { 'content-type': 'application/json' })
            .end('{"error":"not found; try /metrics or /health"}');
        }
      } catch (err) {
        res
          .writeHead(500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: (err as Error).message }));
      }
    })();
  });
  const port = await listen(server, options.port, options.host ?? '0.0.0.0');
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
