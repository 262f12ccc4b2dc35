import { randomUUID } from 'node:crypto';
import { hostname, networkInterfaces } from 'node:os';
import type { Process } from '@skein/model';
import { JAEGER_VERSION_TAG } from '../version.js';
import { toKeyValue } from './tags.js';

/** A tracer's process: its service name and tags; `tags` override the defaults of defaultProcessTags(). */
export function createProcess(serviceName: string, tags: Readonly<Record<string, unknown>> = {}): Process {
  return {
    serviceName,
    tags: Object.entries({ ...defaultProcessTags(), ...tags }).map(([k, v]) => toKeyValue(k, v)),
  };
}

/** The process tags Jaeger clients send: client version, host name, IPv4 address, and an ID of this tracer. */
export function defaultProcessTags(): Record<string, string> {
  return {
    'jaeger.version': JAEGER_VERSION_TAG,
    hostname: hostname(),
    ip: ownIPv4(),
    'client-uuid': randomUUID(),
  };
}

/** The first external IPv4 address, else loopback. */
function ownIPv4(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.family === 'IPv4' && !a.internal) return a.address;
    }
  }
  return '127.0.0.1';
}
