// The web UI's files over HTTP: the Vite build of @skein/ui (index.html plus content-hashed files under
// assets/). Paths that name no file and look like a page (no extension) get index.html, so the UI's own
// routes (/trace/<id>, /dependencies) survive a reload; /api/* never reaches this code.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join, posix, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { failure } from './envelope.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** Files Vite names by content hash: they never change, so browsers may keep them for a year. */
const IMMUTABLE_PREFIX = '/assets/';

// The UI needs nothing from elsewhere: scripts and styles are files of its own, data comes from /api.
const HTML_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'referrer-policy': 'same-origin',
};

/**
 * The folder of the built UI: `configured` when set (`http.ui-dir`), else the dist/ folder of the installed
 * @skein/ui package; undefined when neither exists.
 */
export function resolveUiDir(configured: string): string | undefined {
  if (configured !== '') return resolve(configured);
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@skein/ui/package.json')), 'dist');
  } catch {
    return undefined;
  }
}

interface Found {
  path: string;
  size: number;
  mtimeMs: number;
}

async function file(path: string): Promise<Found | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? { path, size: s.size, mtimeMs: s.mtimeMs } : undefined;
  } catch {
    return undefined;
  }
}

/** Serves the UI's files from one folder; never a file outside it. */
export class StaticFiles {
  readonly root: string | undefined;

  constructor(root: string | undefined) {
    this.root = root === undefined ? undefined : resolve(root);
  }

  /** Answers a GET or HEAD for `pathname` (still percent-encoded, as in the URL); returns the status sent. */
  async serve(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<number> {
    const root = this.root;
    const index = root === undefined ? undefined : await file(join(root, 'index.html'));
    if (root === undefined || index === undefined) {
      return sendJson(
        res,
        req,
        404,
        `the web UI is not built${root === undefined ? '' : ` (no index.html in ${root})`}: run \`npm run build\`, ` +
          'or set http.ui-dir to a folder holding a built UI; the API is under /api (e.g. /api/services)',
      );
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return sendJson(res, req, 400, `the path ${JSON.stringify(pathname)} is not valid percent-encoding`);
    }
    if (decoded.includes('\0') || decoded.includes('\\')) {
      return sendJson(
        res,
        req,
        400,
        `the path ${JSON.stringify(pathname)} has a character paths may not have`,
      );
    }
    // Normalising an absolute path resolves every ".." and can never climb above "/"; the check after it is
    // the guarantee that only files under the root are read.
    const relative = posix.normalize(`/${decoded}`);
    const target = join(root, relative);
    const inside = target === root || target.startsWith(root + sep);
    const hidden = relative.split('/').some((segment) => segment.startsWith('.'));
    const found = inside && !hidden ? await file(target) : undefined;
    if (found !== undefined) return sendFile(req, res, found, relative.startsWith(IMMUTABLE_PREFIX));
    const last = relative.slice(relative.lastIndexOf('/') + 1);
    if (last.includes('.') || relative.startsWith(IMMUTABLE_PREFIX)) {
      return sendJson(res, req, 404, `no file ${relative} in the web UI`);
    }
    return sendFile(req, res, index, false);
  }
}

function sendJson(res: ServerResponse, req: IncomingMessage, status: number, msg: string): number {
  const text = JSON.stringify(failure(status, msg));
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : text);
  return status;
}

function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  found: Found,
  immutable: boolean,
): Promise<number> {
  const ext = extname(found.path).toLowerCase();
  const type = CONTENT_TYPES[ext] ?? 'application/octet-stream';
  const etag = `W/"${found.size.toString(16)}-${Math.floor(found.mtimeMs).toString(16)}"`;
  const headers: Record<string, string | number> = {
    'content-type': type,
    // index.html (and anything unhashed) is revalidated on every load, so a new build shows up at once.
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    etag,
    'x-content-type-options': 'nosniff',
    ...(ext === '.html' ? HTML_HEADERS : {}),
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers).end();
    return Promise.resolve(304);
  }
  res.writeHead(200, { ...headers, 'content-length': found.size });
  if (req.method === 'HEAD') {
    res.end();
    return Promise.resolve(200);
  }
  return new Promise((resolveSent) => {
    // pipeline closes the file when the client goes away and cuts the response short if the read fails; the
    // status sent was 200 either way.
    pipeline(createReadStream(found.path), res, () => resolveSent(200));
  });
}
