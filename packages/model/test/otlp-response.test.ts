// What OTLP receivers answer, read back with protobufjs: ExportTraceServiceResponse with and without
// partial_success, google.rpc.Status with a RetryInfo detail; and the same in OTLP/JSON.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  encodeOtlpExportResponse,
  encodeOtlpExportResponseJson,
  encodeRpcStatus,
  encodeRpcStatusJson,
  RETRY_INFO_TYPE_URL,
  RPC_CODE,
} from '../src/otlp/response.js';
import { pbDecode, ResponseType, RetryInfoType, RpcStatusType } from './support/otlp-reference.js';

describe('OTLP responses', () => {
  it('answers full success with an empty message', () => {
    assert.deepEqual(encodeOtlpExportResponse(), new Uint8Array(0));
    assert.deepEqual(encodeOtlpExportResponse({ rejectedSpans: 0, errorMessage: '' }), new Uint8Array(0));
    assert.equal(encodeOtlpExportResponseJson(), '{}');
  });

  it('writes partial_success so protobufjs reads the exact values', () => {
    const bytes = encodeOtlpExportResponse({
      rejectedSpans: 300,
      errorMessage: 'rejected 300 of 512 spans; é',
    });
    assert.deepEqual(pbDecode(ResponseType, bytes), {
      partialSuccess: { rejectedSpans: '300', errorMessage: 'rejected 300 of 512 spans; é' },
    });
    assert.deepEqual(JSON.parse(encodeOtlpExportResponseJson({ rejectedSpans: 300, errorMessage: 'x' })), {
      partialSuccess: { rejectedSpans: '300', errorMessage: 'x' },
    });
  });

  it('writes google.rpc.Status, with a RetryInfo detail when asked', () => {
    assert.deepEqual(
      pbDecode(RpcStatusType, encodeRpcStatus({ code: RPC_CODE.INVALID_ARGUMENT, message: 'bad' })),
      {
        code: 3,
        message: 'bad',
        details: [],
      },
    );
    const status = pbDecode(
      RpcStatusType,
      encodeRpcStatus({ code: RPC_CODE.UNAVAILABLE, message: 'queue full', retryDelaySeconds: 1.5 }),
    );
    assert.equal(status['code'], 14);
    assert.equal(status['message'], 'queue full');
    // protobufjs's own Any wrapper names the field type_url.
    const [detail] = status['details'] as Array<{ type_url: string; value: Uint8Array }>;
    assert.equal(detail?.type_url, RETRY_INFO_TYPE_URL);
    assert.deepEqual(pbDecode(RetryInfoType, detail.value), {
      retryDelay: { seconds: '1', nanos: 500_000_000 },
    });

    assert.deepEqual(
      JSON.parse(encodeRpcStatusJson({ code: 14, message: 'queue full', retryDelaySeconds: 1 })),
      {
        code: 14,
        message: 'queue full',
        details: [{ '@type': RETRY_INFO_TYPE_URL, retryDelay: '1s' }],
      },
    );
    assert.deepEqual(JSON.parse(encodeRpcStatusJson({ code: 3, message: 'bad' })), {
      code: 3,
      message: 'bad',
    });
  });
});
