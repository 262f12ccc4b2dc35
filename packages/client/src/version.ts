import { createRequire } from 'node:module';

// package.json sits one level above both src/ and dist/, so the same path works from either.
const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

/** This package's version, e.g. "0.1.0". */
export const CLIENT_VERSION: string = pkg.version;

/** The `jaeger.version` process tag: language and client version, as Jaeger clients write it. */
export const JAEGER_VERSION_TAG = `Node-skein-${CLIENT_VERSION}`;
