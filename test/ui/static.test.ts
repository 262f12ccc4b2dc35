// The query service serving the web UI's files: content types, caching, the index.html fallback for the UI's
// own routes (never for /api), no way out of the UI folder, a clear 404 when the UI is not built, and bearer
// tokens required for /api only. Uses a UI folder made here, so it does not depend on the real build.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestQuery, type TestQuery } from '../support/query.js';
import { testStack } from '../support/stack.js';

const INDEX = '<!doctype html><title>skein test ui</title><div id="root"></div>';
const SCRIPT = 'console.log("app");';
const SECRET = 'SECRET-OUTSIDE-THE-UI-FOLDER';

/** A raw GET that sends the path exactly as given (fetch would normalise "..", "%2e%2e" and "\\"). */
function rawGet(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('query service: web UI files', () => {
  const { elasticsearchUrl } = testStack();
  const dir = mkdtempSync(join(tmpdir(), 'skein-ui-'));
  const ui = join(dir, 'dist');
  let query: TestQuery;
  let unbuilt: TestQuery;
  let secured: TestQuery;

  before(async () => {
    mkdirSync(join(ui, 'assets'), { recursive: true });
    writeFileSync(join(ui, 'index.html'), INDEX);
    writeFileSync(join(ui, 'assets', 'index-3f2a9c1d.js'), SCRIPT);
    writeFileSync(join(ui, 'assets', 'index-77aa00ff.css'), 'body{margin:0}');
    writeFileSync(join(ui, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(ui, '.env'), SECRET);
    writeFileSync(join(dir, 'secret.txt'), SECRET);
    query = await startTestQuery({ 'es.url': elasticsearchUrl, 'http.ui-dir': ui });
    unbuilt = await startTestQuery({ 'es.url': elasticsearchUrl, 'http.ui-dir': join(dir, 'missing') });
    secured = await startTestQuery({
      'es.url': elasticsearchUrl,
      'http.ui-dir': ui,
      'auth.bearer-token': 't0ken',
    });
  });

  after(async () => {
    await Promise.all([query?.stop(), unbuilt?.stop(), secured?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / with its content type, no-cache and a content security policy', async () => {
    const r = await rawGet(query.httpPort, '/');
    assert.equal(r.status, 200);
    assert.equal(r.body, INDEX);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.equal(r.headers['content-length'], String(INDEX.length));
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.match(String(r.headers['content-security-policy']), /^default-src 'self'; script-src 'self';/);
  });

  it('serves hashed assets with their content types and a year-long immutable cache', async () => {
    const js = await rawGet(query.httpPort, '/assets/index-3f2a9c1d.js');
    assert.deepEqual(
      [js.status, js.body, js.headers['content-type'], js.headers['cache-control']],
      [200, SCRIPT, 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'],
    );
    const css = await rawGet(query.httpPort, '/assets/index-77aa00ff.css');
    assert.deepEqual([css.status, css.headers['content-type']], [200, 'text/css; charset=utf-8']);
    const svg = await rawGet(query.httpPort, '/logo.svg');
    assert.deepEqual(
      [svg.status, svg.headers['content-type'], svg.headers['cache-control']],
      [200, 'image/svg+xml', 'no-cache'],
    );
    assert.equal(svg.headers['content-security-policy'], undefined);
  });

  it('answers a repeated request with 304 by ETag, and HEAD without a body', async () => {
    const first = await rawGet(query.httpPort, '/assets/index-3f2a9c1d.js');
    const etag = String(first.headers.etag);
    assert.match(etag, /^W\/"[0-9a-f]+-[0-9a-f]+"$/);
    const again = await rawGet(query.httpPort, '/assets/index-3f2a9c1d.js', { 'if-none-match': etag });
    assert.deepEqual([again.status, again.body], [304, '']);
    const head = await rawGet(query.httpPort, '/', {}, 'HEAD');
    assert.deepEqual(
      [head.status, head.body, head.headers['content-length']],
      [200, '', String(INDEX.length)],
    );
  });

  it("answers the UI's own routes with index.html, so reloads and shared links work", async () => {
    for (const path of [
      '/search?service=web',
      '/trace/0af7651916cd43dd8448eb211c80319c',
      '/dependencies',
      '/x/y/',
    ]) {
      const r = await rawGet(query.httpPort, path);
      assert.deepEqual(
        [r.status, r.body, r.headers['content-type']],
        [200, INDEX, 'text/html; charset=utf-8'],
        path,
      );
    }
  });

  it('answers a missing file with a 404 in JSON, never with index.html', async () => {
    for (const path of ['/assets/index-00000000.js', '/favicon.ico', '/assets/nested/route']) {
      const r = await rawGet(query.httpPort, path);
      assert.equal(r.status, 404, path);
      assert.equal(r.headers['content-type'], 'application/json; charset=utf-8', path);
      assert.match(r.body, /"msg":"no file \/[^"]+ in the web UI"/, path);
    }
  });

  it('never serves index.html for /api: unknown API routes stay JSON errors', async () => {
    for (const path of ['/api/nope', '/api', '/api/traces/']) {
      const r = await rawGet(query.httpPort, path);
      assert.equal(r.status, 404, path);
      assert.equal(r.headers['content-type'], 'application/json; charset=utf-8', path);
      assert.doesNotMatch(r.body, /<title>/, path);
    }
  });

  it('reads nothing outside the UI folder, nor hidden files in it', async () => {
    const attempts = [
      '/../secret.txt',
      '/../../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E%2Fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/..%5csecret.txt',
      '/%5c..%5csecret.txt',
      `/${encodeURIComponent(join(dir, 'secret.txt'))}`,
      '//secret.txt',
      '/.env',
      '/%2eenv',
      '/assets/%00.js',
      '/%ff',
    ];
    for (const path of attempts) {
      const r = await rawGet(query.httpPort, path);
      assert.doesNotMatch(r.body, new RegExp(SECRET), `${path} leaked the file outside the UI folder`);
      assert.ok([200, 400, 404].includes(r.status), `${path}: status ${r.status}`);
      // Whatever is answered is the UI's own index.html or a JSON error.
      assert.ok(r.body === INDEX || r.body.startsWith('{"data":null'), `${path}: ${r.body.slice(0, 80)}`);
    }
    assert.equal((await rawGet(query.httpPort, '/assets/..%2f..%2fsecret.txt')).status, 404);
    assert.equal((await rawGet(query.httpPort, '/%ff')).status, 400);
  });

  it('says how to build the UI when it is not built', async () => {
    const r = await unbuilt.get('/');
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, {
      data: null,
      total: 0,
      limit: 0,
      offset: 0,
      errors: [
        {
          code: 404,
          msg:
            `the web UI is not built (no index.html in ${join(dir, 'missing')}): run \`npm run build\`, ` +
            'or set http.ui-dir to a folder holding a built UI; the API is under /api (e.g. /api/services)',
        },
      ],
    });
    assert.equal((await unbuilt.get('/trace/abc')).status, 404);
  });

  it('loads the UI without a token while the API requires one', async () => {
    const page = await rawGet(secured.httpPort, '/trace/abc');
    assert.deepEqual([page.status, page.body], [200, INDEX]);
    assert.equal((await rawGet(secured.httpPort, '/assets/index-3f2a9c1d.js')).status, 200);
    const api = await secured.get('/api/services');
    assert.equal(api.status, 401);
    assert.equal((await secured.get('/api/services', { authorization: 'Bearer t0ken' })).status, 200);
  });

  it('refuses other methods on UI paths as on the API', async () => {
    const r = await rawGet(query.httpPort, '/', {}, 'POST');
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, 'GET, HEAD, OPTIONS');
  });
});
