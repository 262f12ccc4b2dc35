import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeAlterScramResponse, encodeAlterScramRequest } from '../src/scram.js';

describe('AlterUserScramCredentials v0', () => {
  it('encodes a framed request: header v2, no deletions, one upsertion', () => {
    const frame = encodeAlterScramRequest(7, 'ab', [
      { name: 'u', mechanism: 1, iterations: 4096, salt: Buffer.from([1, 2]), salted: Buffer.from([3]) },
    ]);
    const expected = Buffer.from(
      [
        '0000001d', // size: 13 header + 16 body
        '0033 0000 00000007 0002 6162 00', // api key 51, version 0, correlation id, client id "ab", no tags
        '01', // deletions: empty compact array
        '02', // upsertions: one
        '0275 01 00001000 030102 0203 00', // name "u", SCRAM-SHA-256, 4096 iterations, salt, salted password
        '00', // no tags
      ]
        .join('')
        .replace(/ /g, ''),
      'hex',
    );
    assert.deepEqual(frame, expected);
  });

  it('decodes results with and without an error message', () => {
    const frame = Buffer.from(
      [
        '00000007 00', // correlation id, no header tags
        '00000000', // throttle time
        '03', // two results
        '0275 005c 04647570 00', // "u": error 92, message "dup"
        '0276 0000 00 00', // "v": no error, null message
        '00',
      ]
        .join('')
        .replace(/ /g, ''),
      'hex',
    );
    assert.deepEqual(decodeAlterScramResponse(frame), {
      correlationId: 7,
      results: [
        { user: 'u', errorCode: 92, errorMessage: 'dup' },
        { user: 'v', errorCode: 0, errorMessage: null },
      ],
    });
  });
});
