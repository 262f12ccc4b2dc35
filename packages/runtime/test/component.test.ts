// runComponent's readiness: checks a component adds are asked at every /health.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { field } from '../src/config/schema.js';
import { runComponent } from '../src/lifecycle/component.js';

describe('runComponent health checks', () => {
  it('/health answers 503 "degraded" while a check is false or throws, 200 once every check passes', async () => {
    let reachable = false;
    let broken = true;
    const running = await runComponent(
      {
        name: 'fixture',
        description: 'test fixture',
        schema: { 'admin.port': field.port(0, 'admin port') },
        build: ({ healthChecks }) => {
          healthChecks.set('elasticsearch', async () => reachable);
          healthChecks.set('other', () => {
            if (broken) throw new Error('cannot tell');
            return true;
          });
          return [];
        },
      },
      { argv: ['--admin.host=127.0.0.1', '--log.level=error'], handleSignals: false },
    );
    try {
      const health = async () => {
        const response = await fetch(`http://127.0.0.1:${running.admin.port}/health`);
        return { status: response.status, body: (await response.json()) as unknown };
      };
      assert.deepEqual(await health(), {
        status: 503,
        body: { status: 'degraded', checks: { elasticsearch: false, other: false } },
      });
      reachable = true;
      broken = false;
      assert.deepEqual(await health(), {
        status: 200,
        body: { status: 'ok', checks: { elasticsearch: true, other: true } },
      });
    } finally {
      await running.stop();
    }
  });
});
