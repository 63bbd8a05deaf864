import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as lc from '../../../../src/envs/bfcl/apis/long-context.js';
import { Ellipsis, pyRepr } from '../../../../src/envs/bfcl/python/value.js';

// Sizes and items checked against long_context.py with CPython.
test('long_context data is complete and typed as in Python', () => {
  assert.equal(lc.WATCH_LIST_EXTENSION.length, 1001);
  assert.equal(lc.WATCH_LIST_EXTENSION[1000], Ellipsis);
  assert.equal(lc.WATCH_LIST_EXTENSION[0], 'JHGUN');
  assert.equal(lc.TRANSACTION_HISTORY_EXTENSION.length, 1000);
  assert.equal(
    pyRepr(lc.TRANSACTION_HISTORY_EXTENSION[17]!),
    "{'type': 'deposit', 'amount': 7287.0, 'timestamp': '2024-01-01 19:52:09.858901'}",
  );
  assert.equal(lc.MA_5_EXTENSION.length, 2000);
  assert.equal(lc.INTERMEDIARY_CITIES.length, 826);
  assert.equal(lc.CREDIT_CARD_EXTENSION.size, 22);
  assert.equal(lc.BOOKING_RECORD_EXTENSION.size, 16);
  assert.equal(lc.LONG_WEATHER_EXTENSION.size, 15);
  assert.equal(lc.ORDER_DETAIL_EXTENSION.size, 8);
  assert.equal(lc.FILE_CONTENT_EXTENSION.length, 3251);
  assert.equal(lc.PARKING_BRAKE_INSTRUCTION.length, 9710);
  assert.deepEqual(lc.FILES_TAIL_USED.slice(0, 2), ['log.txt', 'report.txt']);
});
