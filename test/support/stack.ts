// The devstack that scripts/test.ts started for this run (or the user's own cluster via SKEIN_KAFKA_BROKERS / SKEIN_ES_URL).
import { randomBytes } from 'node:crypto';

export interface TestStack {
  kafkaBrokers: string[];
  elasticsearchUrl: string;
}

export function testStack(): TestStack {
  const brokers = process.env.SKEIN_KAFKA_BROKERS;
  const url = process.env.SKEIN_ES_URL;
  if (!brokers || !url) {
    throw new Error(
      'Integration tests need a running Kafka and Elasticsearch: run them with `npm test` (which starts the devstack), ' +
        'or set SKEIN_KAFKA_BROKERS and SKEIN_ES_URL to your own cluster.',
    );
  }
  return { kafkaBrokers: brokers.split(','), elasticsearchUrl: url };
}

/** A name no other test uses: tests share one broker and one cluster. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** Polls until `check` returns a value other than undefined; says what was awaited on timeout. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
