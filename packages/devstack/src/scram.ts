// Sets SCRAM credentials on a running broker with Kafka's AlterUserScramCredentials request (API key 51,
// version 0). kafkajs has no admin call for it, and the broker's own ConfigCommand lives in kafka-tools, which
// the devstack does not install; this is needed only when a secure stack restarts on storage formatted earlier
// (a new format writes the credentials itself).
import { pbkdf2, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { DevstackError } from './errors.js';

const derive = promisify(pbkdf2);

const API_KEY = 51;
/** The protocol's mechanism ids and their key derivation. */
const MECHANISMS = [
  { id: 1, name: 'SCRAM-SHA-256', digest: 'sha256', length: 32 },
  { id: 2, name: 'SCRAM-SHA-512', digest: 'sha512', length: 64 },
] as const;
/** Kafka's minimum, and what its tools use by default. */
const ITERATIONS = 4096;

function uvarint(value: number): Buffer {
  const bytes: number[] = [];
  let v = value;
  while (v >= 0x80) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

function int(bytes: 1 | 2 | 4, value: number): Buffer {
  const b = Buffer.alloc(bytes);
  b.writeIntBE(value, 0, bytes);
  return b;
}

/** A flexible version's COMPACT_STRING / COMPACT_BYTES: length + 1 as an unsigned varint, then the bytes. */
function compact(data: Buffer): Buffer {
  return Buffer.concat([uvarint(data.length + 1), data]);
}

const NO_TAGS = uvarint(0);

/** The framed request: size, header v2 (client id is a classic nullable string), body. */
export function encodeAlterScramRequest(
  correlationId: number,
  clientId: string,
  upsertions: readonly {
    name: string;
    mechanism: number;
    iterations: number;
    salt: Buffer;
    salted: Buffer;
  }[],
): Buffer {
  const client = Buffer.from(clientId);
  const header = Buffer.concat([
    int(2, API_KEY),
    int(2, 0),
    int(4, correlationId),
    int(2, client.length),
    client,
    NO_TAGS,
  ]);
  const body = Buffer.concat([
    uvarint(1), // no deletions
    uvarint(upsertions.length + 1),
    ...upsertions.map((u) =>
      Buffer.concat([
        compact(Buffer.from(u.name)),
        int(1, u.mechanism),
        int(4, u.iterations),
        compact(u.salt),
        compact(u.salted),
        NO_TAGS,
      ]),
    ),
    NO_TAGS,
  ]);
  return Buffer.concat([int(4, header.length + body.length), header, body]);
}

class Reader {
  offset = 0;
  constructor(private readonly buf: Buffer) {}
  int8(): number {
    return this.buf.readInt8(this.offset++);
  }
  int16(): number {
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  int32(): number {
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  uvarint(): number {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = this.buf.readUInt8(this.offset++);
      value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value >>> 0;
    }
  }
  /** COMPACT_NULLABLE_STRING. */
  string(): string | null {
    const n = this.uvarint();
    if (n === 0) return null;
    const s = this.buf.toString('utf8', this.offset, this.offset + n - 1);
    this.offset += n - 1;
    return s;
  }
  skipTags(): void {
    for (let count = this.uvarint(); count > 0; count--) {
      this.uvarint();
      this.offset += this.uvarint();
    }
  }
}

export interface AlterScramResult {
  user: string;
  errorCode: number;
  errorMessage: string | null;
}

/** Decodes a response frame without its size prefix. */
export function decodeAlterScramResponse(frame: Buffer): {
  correlationId: number;
  results: AlterScramResult[];
} {
  const r = new Reader(frame);
  const correlationId = r.int32();
  r.skipTags();
  r.int32(); // throttle time
  const results: AlterScramResult[] = [];
  for (let n = r.uvarint() - 1; n > 0; n--) {
    const user = r.string() ?? '';
    const errorCode = r.int16();
    const errorMessage = r.string();
    r.skipTags();
    results.push({ user, errorCode, errorMessage });
  }
  return { correlationId, results };
}

function exchange(broker: string, request: Buffer, timeoutMs: number): Promise<Buffer> {
  const colon = broker.lastIndexOf(':');
  const host = broker.slice(0, colon);
  const port = Number(broker.slice(colon + 1));
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let received = Buffer.alloc(0);
    const fail = (err: Error): void => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no answer within ${timeoutMs} ms`)));
    socket.once('error', fail);
    socket.once('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4) return;
      const size = received.readInt32BE(0);
      if (received.length < 4 + size) return;
      socket.end();
      resolve(received.subarray(4, 4 + size));
    });
    socket.once('end', () => fail(new Error('the broker closed the connection without an answer')));
  });
}

/**
 * Creates or replaces the SCRAM-SHA-256 and SCRAM-SHA-512 credentials of `username` through a PLAINTEXT
 * listener at `broker` (`host:port`), as `kafka-configs --alter --add-config SCRAM-SHA-…` would.
 */
export async function upsertScramCredentials(
  broker: string,
  username: string,
  password: string,
  timeoutMs = 10_000,
): Promise<void> {
  // The broker takes one alteration per user and request (error 92 otherwise): a request per mechanism.
  for (const m of MECHANISMS) {
    const salt = randomBytes(32);
    // RFC 5802's SaltedPassword, Hi(password, salt, i), is PBKDF2 with the hash's output length.
    const salted = await derive(password, salt, ITERATIONS, m.length, m.digest);
    const upsertion = { name: username, mechanism: m.id, iterations: ITERATIONS, salt, salted };
    const correlationId = randomBytes(4).readInt32BE(0) & 0x7fffffff;
    let answer: ReturnType<typeof decodeAlterScramResponse>;
    try {
      const request = encodeAlterScramRequest(correlationId, 'skein-devstack', [upsertion]);
      answer = decodeAlterScramResponse(await exchange(broker, request, timeoutMs));
    } catch (err) {
      throw new DevstackError(
        'DEVSTACK_PROVIDER_UNAVAILABLE',
        `Could not set SCRAM credentials on Kafka at ${broker}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    const result = answer.results[0];
    if (answer.correlationId !== correlationId || answer.results.length !== 1 || result?.errorCode !== 0) {
      const why = result
        ? `error ${result.errorCode}${result.errorMessage ? ` (${result.errorMessage})` : ''}`
        : 'an answer without results';
      throw new DevstackError(
        'DEVSTACK_PROVIDER_UNAVAILABLE',
        `Kafka at ${broker} did not accept the ${m.name} credentials of ${username}: ${why}`,
      );
    }
  }
}
