// A writer still at work on a file while the code under test reads it, without timing: node:fs's readFileSync
// is wrapped so that a change lands right after each read of the file.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { mock, type TestContext } from 'node:test';

/** Calls `afterRead` right after each readFileSync of `path`, until the test ends or `stop()` is called. */
export function whileReading(t: TestContext, path: string, afterRead: () => void): { stop(): void } {
  const readFileSync = fs.readFileSync;
  const wrapped = mock.method(fs, 'readFileSync', (...args: Parameters<typeof fs.readFileSync>) => {
    const content = readFileSync(...args);
    if (args[0] === path) afterRead();
    return content;
  });
  // ESM named imports of node:fs (in the code under test) see the replacement only after this.
  syncBuiltinESMExports();
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    wrapped.mock.restore();
    syncBuiltinESMExports();
  };
  t.after(stop);
  return { stop };
}
