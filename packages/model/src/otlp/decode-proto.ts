// OTLP/protobuf ExportTraceServiceRequest without a protobuf runtime (field numbers from opentelemetry-proto:
// collector/trace/v1/trace_service.proto, trace/v1/trace.proto, common/v1/common.proto, resource/v1/resource.proto).
//
// Wire rules, as in model-proto.ts: a known field with the wrong wire type is an error, unknown fields are
// skipped, a repeated singular message (resource, scope, status, an attribute's value) merges into the earlier
// one as protobuf prescribes, and a repeated scalar replaces it. Strings are decoded leniently (invalid UTF-8
// becomes U+FFFD) rather than refused. ResourceSpans field 1000, instrumentation_library_spans in OTLP before
// 0.19, has the layout of scope_spans and is read as such, so older SDKs are not silently dropped.

import { DecodeError } from '../errors.js';
import { ProtoReader, wrongWireType } from '../proto/reader.js';
import {
  OTLP_MAX_VALUE_DEPTH,
  type OtlpAnyValue,
  type OtlpEvent,
  type OtlpKeyValue,
  type OtlpLink,
  type OtlpResource,
  type OtlpResourceSpans,
  type OtlpScope,
  type OtlpScopeSpans,
  type OtlpSpan,
  type OtlpTraceRequest,
} from './types.js';

export interface OtlpDecodeOptions {
  /**
   * Most spans one request may hold; more is a DecodeError (DECODE_BAD_LENGTH). A receiver sets it to what its
   * queue can take at all, which also bounds the objects a small request of empty spans can make the decoder build.
   */
  maxSpans?: number;
}

// Shared by every empty value; frozen, as nothing downstream may change a decoded request.
const EMPTY_VALUE: OtlpAnyValue = Object.freeze({ type: 'empty' });

// Field 1000 of ResourceSpans with wire type 2.
const TAG_INSTRUMENTATION_LIBRARY_SPANS = (1000 << 3) | 2;
// Field 16 of Span, fixed32.
const TAG_SPAN_FLAGS = (16 << 3) | 5;

class OtlpProtoDecoder {
  readonly r: ProtoReader;
  spans = 0;
  readonly maxSpans: number;

  constructor(buf: Uint8Array, options: OtlpDecodeOptions) {
    this.r = new ProtoReader(buf);
    this.maxSpans = options.maxSpans ?? Infinity;
  }

  request(): OtlpTraceRequest {
    const r = this.r;
    const end = r.buf.length;
    const resourceSpans: OtlpResourceSpans[] = [];
    while (r.pos < end) {
      const tag = r.tag();
      if (tag === 0x0a) resourceSpans.push(this.resourceSpans(end));
      else if (tag >>> 3 === 1) throw wrongWireType(tag, r.pos);
      else r.skipValue(tag & 7, end);
    }
    r.checkEnd(end);
    return { resourceSpans };
  }

  resourceSpans(end: number): OtlpResourceSpans {
    const r = this.r;
    const stop = r.delimitedEnd(end);
    const out: OtlpResourceSpans = {
      resource: { attributes: [], droppedAttributesCount: 0 },
      scopeSpans: [],
      schemaUrl: '',
    };
    while (r.pos < stop) {
      const tag = r.tag();
      if (tag === 0x0a) this.resourceInto(stop, out.resource);
      else if (tag === 0x12 || tag === TAG_INSTRUMENTATION_LIBRARY_SPANS)
        out.scopeSpans.push(this.scopeSpans(stop));
      else if (tag === 0x1a) out.schemaUrl = r.string(stop);
      else if (tag >>> 3 <= 3 || tag >>> 3 === 1000) throw wrongWireType(tag, r.pos);
      else r.skipValue(tag & 7, stop);
    }
    r.checkEnd(stop);
    return out;
  }

  resourceInto(end: number, into: OtlpResource): void {
    const r = this.r;
    const stop = r.delimitedEnd(end);
    while (r.pos < stop) {
      const tag = r.tag();
      if (tag === 0x0a) into.attributes.push(this.keyValue(stop, 1));
      else if (tag === 0x10) into.droppedAttributesCount = r.uint32();
      else if (tag >>> 3 <= 2) throw wrongWireType(tag, r.pos);
      else r.skipValue(tag & 7, stop);
    }
    r.checkEnd(stop);
  }

  scopeSpans(end: number): OtlpScopeSpans {
    const r = this.r;
    const stop = r.delimitedEnd(end);
    const out: OtlpScopeSpans = {
      scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0 },
      spans: [],
      schemaUrl: '',
    };
    while (r.pos < stop) {
      const tag = r.tag();
      if (tag === 0x0a) this.scopeInto(stop, out.scope);
      else if (tag === 0x12) out.spans.push(this.span(stop));
      else if (tag === 0x1a) out.schemaUrl = r.string(stop);
      else if (tag >>> 3 <= 3) throw wrongWireType(tag, r.pos);
      else r.skipValue(tag & 7, stop);
    }
    r.checkEnd(stop);
    return out;
  }

  scopeInto(end: number, into: OtlpScope): void {
    const r = this.r;
    const stop = r.delimitedEnd(end);
    while (r.pos < stop) {
      const tag = r.tag();
      if (tag === 0x0a) into.name = r.string(stop);
      else if (tag === 0x12) into.version = r.string(stop);
      else if (tag === 0x1a) into.attributes.push(this.keyValue(stop, 1));
      else if (tag === 0x20) into.droppedAttributesCount = r.uint32();
      else if (tag >>> 3 <= 4) throw wrongWireType(tag, r.pos);
      else r.skipValue(tag & 7, stop);
    }
    r.checkEnd(stop);
  }

  span(end: number): OtlpSpan {
    const r = this.r;
    const at = r.pos;
    if (++this.spans > this.maxSpans) {
      throw new DecodeError(
        'DECODE_BAD_LENGTH',
        `request holds more than ${this.maxSpans} spans; send smaller batches`,
        at,
      );
    }
    const stop = r.delimitedEnd(end);
    const span: OtlpSpan = {
      traceId: '',
      spanId: '',
      traceState: '',
      parentSpanId: '',
      flags: 0,
      name: '',
      kind: 0,
      startTimeUnixNano: 0n,
      endTimeUnixNano: 0n,
      attributes: [],
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: 0, message: '' },
    };
    while (r.pos < stop) {
      const tag = r.tag();
      switch (tag) {
        case 0x0a:
          span.traceId = r.hex(stop);
          break;
        case 0x12:
          span.spanId = r.hex(stop);
          break;
        case 0x1a:
          span.traceState = r.string(stop);
          break;
        case 0x22:
          span.parentSpanId = r.hex(stop);
          break;
        case 0x2a:
          span.name = r.string(stop);
          break;
        case 0x30:
          span.kind = r.int32();
          break;
        case 0x39:
          span.startTimeUnixNano = r.fixed64();
          break;
        case 0x41:
          span.endTimeUnixNano = r.fixed64();
          break;
        case 0x4a:
          span.attributes.push(this.keyValue(stop, 1));
          break;
        case 0x50:
          span.droppedAttributesCount = r.uint32();
          break;
        case 0x5a:
          span.events.push(this.event(stop));
          break;
        case 0x60:
          span.droppedEventsCount = r.uint32();
          break;
        case 0x6a:
          span.links.push(this.link(stop));
          break;
        case 0x70:
          span.droppedLinksCount = r.uint32();
          break;
        case 0x7a:
          this.statusInto(stop, span.status);
          break;
        case TAG_SPAN_FLAGS:
          span.flags = r.fixed32();
          break;
        default:
          if (tag >>> 3 <= 16) throw wrongWireType(tag, r.pos);
          r.skipValue(tag & 7, stop);
      }
    }
    r.checkEnd(stop);
    return span;
  }

  event(end: number): OtlpEvent {
    const r = this.r;
    const stop = r.delimitedEnd(end);
    const event: OtlpEvent = { timeUnixNano: 0n, name: '', attributes: [], droppedAttributesCount: 0 };
    while (r.pos < stop) {
      const tag = r.tag();
      if (tag === 0x09) event.timeUnixNano = r.fixed64();
      else if (tag === 0x12) event.name = r.string(stop);
      else if (tag === 0x1a) event.attributes.push(this.keyValue(stop, 1));
      else if (tag === 0x20) event.droppedAttributesCount = r.uint32();
      else if (tag >>> 3 <= 4) throw wrongWireType(tag, r.pos);
      else r.skipValue(tag & 7, stop);
    }
    r.checkEnd(stop);
    return event;
  }

  link(end: number): OtlpLink {
    const r = this.r;
    const stop = r.delimitedEnd(end);
    const link: OtlpLink = {
      traceId: '',
      spanId: '',
      traceState: '',
      attributes: [],
      droppedAttributesCount: 0,
      flags: 0,
    };
    while (r.pos < stop) {
      const tag = r.tag();
      if (tag === 0x0a) link.traceId = r.hex(stop);
      else if (tag === 0x12) link.spanId = r.hex(stop);
      else if (tag === 0x1a) link.traceState = r.string(stop);
      else if (tag === 0x22) link.attributes.push(this.keyValue(stop, 1));
      else if (tag === 0x28) link.droppedAttributesCount = r.uint32();
      else if (tag === 0x35) link.flags = r.fixed32();
      else if (tag >>> 3 <= 6) throw wrongWireType(tag, r.pos);
      else r.skipValue(tag & 7, stop);
    }
    r.checkEnd(stop);
    return link;
  }

  statusInto(end: number, into: { code: number; message: string }): void {
    const r = this.r;
    const stop = r.delimitedEnd(end);
    while (r.pos < stop) {
      const tag = r.tag();
      // Field 1 is the reserved deprecated_code of old OTLP versions: skipped like any unknown field.
      if (tag === 0x12) into.message = r.string(stop);
      else if (tag === 0x18) into.code = r.int32();
      else if (tag >>> 3 === 2 || tag >>> 3 === 3) throw wrongWireType(tag, r.pos);
      else r.skipValue(tag & 7, stop);
    }
    r.checkEnd(stop);
  }

  keyValue(end: number, depth: number): OtlpKeyValue {
    const r = this.r;
    const stop = r.delimitedEnd(end);
    let key = '';
    let value = EMPTY_VALUE;
    while (r.pos < stop) {
      const tag = r.tag();
      if (tag === 0x0a) key = r.string(stop);
      else if (tag === 0x12) value = this.anyValue(stop, depth, value);
      else if (tag >>> 3 <= 2) throw wrongWireType(tag, r.pos);
      else r.skipValue(tag & 7, stop);
    }
    r.checkEnd(stop);
    return { key, value };
  }

  /** Reads an AnyValue; `prev` is the value a repeated field merges into (an array or list grows). */
  anyValue(end: number, depth: number, prev: OtlpAnyValue): OtlpAnyValue {
    const r = this.r;
    if (depth > OTLP_MAX_VALUE_DEPTH) {
      throw new DecodeError(
        'DECODE_TOO_DEEP',
        `attribute values nest deeper than ${OTLP_MAX_VALUE_DEPTH} levels`,
        r.pos,
      );
    }
    const stop = r.delimitedEnd(end);
    let value = prev;
    while (r.pos < stop) {
      const tag = r.tag();
      switch (tag) {
        case 0x0a:
          value = { type: 'string', value: r.string(stop) };
          break;
        case 0x10:
          value = { type: 'bool', value: r.bool() };
          break;
        case 0x18:
          value = { type: 'int', value: r.int64() };
          break;
        case 0x21:
          value = { type: 'double', value: r.double() };
          break;
        case 0x2a: {
          const values: OtlpAnyValue[] = value.type === 'array' ? value.value : [];
          this.arrayInto(stop, depth, values);
          if (value.type !== 'array') value = { type: 'array', value: values };
          break;
        }
        case 0x32: {
          const values: OtlpKeyValue[] = value.type === 'kvlist' ? value.value : [];
          this.kvlistInto(stop, depth, values);
          if (value.type !== 'kvlist') value = { type: 'kvlist', value: values };
          break;
        }
        case 0x3a:
          value = { type: 'bytes', value: r.bytes(stop) };
          break;
        default:
          if (tag >>> 3 <= 7) throw wrongWireType(tag, r.pos);
          r.skipValue(tag & 7, stop);
      }
    }
    r.checkEnd(stop);
    return value;
  }

  arrayInto(end: number, depth: number, into: OtlpAnyValue[]): void {
    const r = this.r;
    const stop = r.delimitedEnd(end);
    while (r.pos < stop) {
      const tag = r.tag();
      if (tag === 0x0a) into.push(this.anyValue(stop, depth + 1, EMPTY_VALUE));
      else if (tag >>> 3 === 1) throw wrongWireType(tag, r.pos);
      else r.skipValue(tag & 7, stop);
    }
    r.checkEnd(stop);
  }

  kvlistInto(end: number, depth: number, into: OtlpKeyValue[]): void {
    const r = this.r;
    const stop = r.delimitedEnd(end);
    while (r.pos < stop) {
      const tag = r.tag();
      if (tag === 0x0a) into.push(this.keyValue(stop, depth + 1));
      else if (tag >>> 3 === 1) throw wrongWireType(tag, r.pos);
      else r.skipValue(tag & 7, stop);
    }
    r.checkEnd(stop);
  }
}

/**
 * Decodes an OTLP/protobuf ExportTraceServiceRequest (the body of OTLP/HTTP with application/x-protobuf, and of
 * the gRPC TraceService/Export call). Throws only DecodeError.
 */
export function decodeOtlpTraceRequest(buf: Uint8Array, options: OtlpDecodeOptions = {}): OtlpTraceRequest {
  return new OtlpProtoDecoder(buf, options).request();
}
