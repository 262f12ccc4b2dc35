// What an OTLP receiver answers: ExportTraceServiceResponse (with partial_success when spans were rejected) and,
// for failures, google.rpc.Status, optionally carrying a google.rpc.RetryInfo detail; each in protobuf and in
// OTLP/JSON. They are a few bytes each, so they are built plainly rather than with the decoders' care.

/** gRPC status codes the receivers answer with (google.rpc.Code). */
export const RPC_CODE = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

export interface OtlpPartialSuccess {
  rejectedSpans: number;
  errorMessage: string;
}

export interface RpcStatus {
  code: number;
  message: string;
  /** Adds a google.rpc.RetryInfo detail telling the client how long to wait before retrying. */
  retryDelaySeconds?: number;
}

export const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

const utf8 = new TextEncoder();

class Bytes {
  readonly out: number[] = [];

  varint(v: bigint | number): this {
    let n = BigInt.asUintN(64, BigInt(v));
    while (n > 0x7fn) {
      this.out.push(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    this.out.push(Number(n));
    return this;
  }

  /** A length-delimited field. */
  field(number: number, content: Uint8Array | number[]): this {
    this.varint((number << 3) | 2).varint(content.length);
    for (const b of content) this.out.push(b);
    return this;
  }

  /** A varint field, left out at its default as proto3 does. */
  number(number: number, v: bigint | number): this {
    return v === 0 || v === 0n ? this : this.varint(number << 3).varint(v);
  }

  /** A string field, left out when empty. */
  string(number: number, s: string): this {
    return s === '' ? this : this.field(number, utf8.encode(s));
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

/** ExportTraceServiceResponse in protobuf: zero bytes for full success. */
export function encodeOtlpExportResponse(partial?: OtlpPartialSuccess): Uint8Array {
  if (!partial || (partial.rejectedSpans === 0 && partial.errorMessage === '')) return new Uint8Array(0);
  const inner = new Bytes().number(1, partial.rejectedSpans).string(2, partial.errorMessage);
  return new Bytes().field(1, inner.out).bytes();
}

/** ExportTraceServiceResponse in OTLP/JSON (int64 as a decimal string, as proto3's JSON mapping writes it). */
export function encodeOtlpExportResponseJson(partial?: OtlpPartialSuccess): string {
  if (!partial || (partial.rejectedSpans === 0 && partial.errorMessage === '')) return '{}';
  const inner: Record<string, string> = {};
  if (partial.rejectedSpans !== 0) inner['rejectedSpans'] = String(partial.rejectedSpans);
  if (partial.errorMessage !== '') inner['errorMessage'] = partial.errorMessage;
  return JSON.stringify({ partialSuccess: inner });
}

/** google.rpc.RetryInfo { retry_delay: Duration } in protobuf. */
export function encodeRetryInfo(seconds: number): Uint8Array {
  const whole = Math.floor(seconds);
  const nanos = Math.round((seconds - whole) * 1e9);
  const duration = new Bytes().number(1, whole).number(2, nanos);
  return new Bytes().field(1, duration.out).bytes();
}

/** google.rpc.Status in protobuf: the error body of OTLP/HTTP and the grpc-status-details-bin trailer of gRPC. */
export function encodeRpcStatus(status: RpcStatus): Uint8Array {
  const b = new Bytes().number(1, status.code).string(2, status.message);
  if (status.retryDelaySeconds !== undefined) {
    const any = new Bytes()
      .string(1, RETRY_INFO_TYPE_URL)
      .field(2, encodeRetryInfo(status.retryDelaySeconds));
    b.field(3, any.out);
  }
  return b.bytes();
}

/** google.rpc.Status in proto3 JSON (the Any detail with its `@type`, the Duration as "1s"). */
export function encodeRpcStatusJson(status: RpcStatus): string {
  const o: Record<string, unknown> = {};
  if (status.code !== 0) o['code'] = status.code;
  if (status.message !== '') o['message'] = status.message;
  if (status.retryDelaySeconds !== undefined) {
    o['details'] = [{ '@type': RETRY_INFO_TYPE_URL, retryDelay: `${status.retryDelaySeconds}s` }];
  }
  return JSON.stringify(o);
}
