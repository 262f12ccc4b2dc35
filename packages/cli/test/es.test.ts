import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { main } from '../src/main.js';
import type { CommandIO } from '../src/commands/io.js';

// Every case here fails before any connection: the URL points nowhere.
const NOWHERE = ['--es.url', 'http://127.0.0.1:1'];

function io(env: NodeJS.ProcessEnv = {}): CommandIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, env, out: (l) => void stdout.push(l), err: (l) => void stderr.push(l) };
}

async function run(
  argv: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
  const out = io(env);
  const code = await main(argv, out);
  return { code, stdout: out.stdout, stderr: out.stderr };
}

describe('skein es', () => {
  it('prints its help with every option', async () => {
    const { code, stdout } = await run(['es', '--help']);
    assert.equal(code, 0);
    const text = stdout.join('\n');
    assert.match(text, /^skein es <init\|clean\|rollover>/);
    for (const flag of [
      '--es.use-aliases <boolean>',
      '--keep-days <int>',
      '--max-age <duration>',
      '--dry-run',
    ]) {
      assert.ok(text.includes(flag), `help lacks ${flag}`);
    }
    assert.match((await run(['--help'])).stdout.join('\n'), /^ {2}es {9}Elasticsearch indices/m);
  });

  it('asks for a known action', async () => {
    const none = await run(['es', ...NOWHERE]);
    assert.equal(none.code, 2);
    assert.equal(none.stderr[0], 'es needs an action\n');
    const unknown = await run(['es', 'shrink', ...NOWHERE]);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr[0], 'unknown es action "shrink"\n');
  });

  it('rejects bad options with exit 2, naming the key', async () => {
    const cases: Array<[string[], NodeJS.ProcessEnv, string]> = [
      [
        ['es', 'clean'],
        {},
        'skein es: invalid configuration: keep-days: is required for `skein es clean`: how many whole UTC days to keep before today (0 keeps only today)',
      ],
      [
        ['es', 'clean', '--keep-days', '-1'],
        {},
        'skein es: invalid configuration: keep-days: expected an integer from 0 to 9007199254740991, got "-1" (from flag --keep-days)',
      ],
      [
        ['es', 'init', '--keep-days', '3'],
        {},
        'skein es: invalid configuration: --keep-days: applies to `skein es clean` only',
      ],
      [
        ['es', 'clean', '--keep-days', '3', '--max-docs', '10'],
        {},
        'skein es: invalid configuration: --max-docs: applies to `skein es rollover` only',
      ],
      [
        ['es', 'rollover', '--max-docs', '0'],
        {},
        'skein es: invalid configuration: max-docs: expected an integer from 1 to 9007199254740991, got "0" (from flag --max-docs)',
      ],
      [
        ['es', 'rollover', '--max-age', '0s'],
        {},
        'skein es: invalid configuration: max-age: must be at least 1ms',
      ],
      [
        ['es', 'init'],
        { SKEIN_ES_INDEX_PREFIX: 'Prod-' },
        'skein es: invalid configuration: es.index-prefix: index prefix "Prod-" is not valid in an Elasticsearch index name: use lowercase letters, digits, "-", "_" or "." only, not starting with "-", "_" or "+"',
      ],
    ];
    for (const [argv, env, message] of cases) {
      const { code, stderr } = await run([...argv, ...NOWHERE], env);
      assert.equal(code, 2, argv.join(' '));
      assert.equal(stderr[0], message);
    }
  });

  it('takes keep-days from the environment, where another action ignores it', async () => {
    // SKEIN_KEEP_DAYS set for a cron job's clean must not break its init: what fails here is the prefix only.
    const { code, stderr } = await run(['es', 'init', ...NOWHERE], {
      SKEIN_KEEP_DAYS: '7',
      SKEIN_ES_INDEX_PREFIX: '_x',
    });
    assert.equal(code, 2);
    assert.match(stderr[0] ?? '', /^skein es: invalid configuration: es\.index-prefix: /);
  });
});
