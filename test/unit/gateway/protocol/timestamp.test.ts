import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTimestamp, parseTimestamp } from '../../../../src/gateway/protocol/timestamp.ts';

const base = Date.UTC(2024, 5, 19, 7, 13, 57);

describe('formatTimestamp', () => {
  it('prints seconds always and the fraction with the fewest digits', () => {
    assert.equal(formatTimestamp(base), '2024-06-19T07:13:57Z');
    assert.equal(formatTimestamp(base + 100), '2024-06-19T07:13:57.1Z');
    assert.equal(formatTimestamp(base + 120), '2024-06-19T07:13:57.12Z');
    assert.equal(formatTimestamp(base + 123), '2024-06-19T07:13:57.123Z');
    assert.equal(formatTimestamp(base + 5), '2024-06-19T07:13:57.005Z');
    assert.equal(formatTimestamp(0), '1970-01-01T00:00:00Z');
    assert.equal(formatTimestamp(Date.UTC(2024, 0, 1, 0, 0, 0)), '2024-01-01T00:00:00Z');
  });
});

describe('parseTimestamp (ISO_OFFSET_DATE_TIME)', () => {
  const ok: [string, number][] = [
    ['2024-06-19T07:13:57.123Z', base + 123],
    ['2024-06-19T07:13:57Z', base],
    ['2024-06-19T07:13Z', base - 57000],
    ['2024-06-19T09:13:57.123+02:00', base + 123],
    ['2024-06-19T09:13:57.123+02', base + 123],
    ['2024-06-19T09:13:57.123+0200', base + 123],
    ['2024-06-19T05:13:57-02:00', base],
    ['2024-06-19t07:13:57z', base],
    ['2024-06-19T07:13:57.1234567Z', base + 123],
    ['2024-06-19T07:13:57.999999999Z', base + 999],
    ['2024-06-19T07:13:57.Z', base],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
  ];
  for (const [s, v] of ok)
    it(`parses ${s}`, () => {
      assert.equal(parseTimestamp(s), v);
    });
  it('round-trips formatTimestamp', () => {
    for (const ms of [0, base, base + 1, base + 10, base + 999, 4102444800000]) {
      assert.equal(parseTimestamp(formatTimestamp(ms)), ms);
    }
  });
  const bad: [string, RegExp][] = [
    ['2024-06-19T07:13:57', /could not be parsed at index 19/],
    ['2024-06-19 07:13:57Z', /could not be parsed at index 10/],
    ['1718781237123', /could not be parsed at index/],
    ['', /could not be parsed at index 0/],
    ['2024-06-19T07:13:57Zjunk', /unparsed text found at index 20/],
    ['2024-13-19T07:13:57Z', /Invalid value for MonthOfYear/],
    ['2023-02-29T07:13:57Z', /Invalid date 'FEBRUARY 29'/],
    ['2024-06-19T24:00:00Z', /Invalid value for HourOfDay/],
    ['2024-06-19T07:13:60Z', /Invalid value for SecondOfMinute/],
    ['2024-06-19T07:13:57+19:00', /could not be parsed at index 19/],
    ['2024-06-19T07:13:57.1234567890Z', /could not be parsed at index 29/],
  ];
  for (const [s, re] of bad)
    it(`rejects ${JSON.stringify(s)}`, () => {
      assert.throws(() => parseTimestamp(s), re);
    });
});
