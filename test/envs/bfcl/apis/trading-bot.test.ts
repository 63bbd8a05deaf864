import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { GOLDEN_DATE, fixedClock } from '../../../../src/envs/bfcl/apis/contract.js';
import { TradingBotClass } from '../../../../src/envs/bfcl/apis/trading-bot.js';
import { strptime } from '../../../../src/envs/bfcl/python/datetime.js';
import { ApiSession } from '../../../../src/envs/bfcl/executor.js';
import { jsonLoads } from '../../../../src/envs/bfcl/python/json.js';
import { PyDict, jsonDumps } from '../../../../src/envs/bfcl/python/value.js';
import { GOLDEN_MISSING, goldenAvailable } from '../golden-support.js';
import { replayAll } from './golden-replay.js';

function session(longContext = false): ApiSession {
  return new ApiSession({
    involvedClasses: ['TradingBot'],
    initialConfig: new PyDict(),
    longContext,
    context: { clock: fixedClock(GOLDEN_DATE) },
    registry: new Map([['TradingBot', TradingBotClass]]),
  });
}

// Every expected string below was printed by the original trading_bot.py (CPython 3.11.7, TZ=UTC) through the
// original executor for the same calls on the default state.
test('TradingBot: seeded transaction timestamps, market hours, int/float results and Python error texts', () => {
  const s = session();
  const cases: Array<[string, string]> = [
    ['get_watchlist()', "['Error: User not authenticated. Please log in to view the watchlist.']"],
    ['trading_login(username="u", password="p")', '{"status": "Logged in successfully"}'],
    ['update_market_status(current_time_str="9:29 AM")', '{"status": "Closed"}'],
    ['make_transaction(account_id=12345, xact_type="deposit", amount=500)', '{"error": "Market is closed. Transactions are not allowed."}'],
    ['update_market_status(current_time_str="04:00 pm")', '{"status": "Open"}'],
    ['make_transaction(account_id=12345.0, xact_type="deposit", amount=500)', '{"status": "Deposit successful", "new_balance": 10500.0}'],
    ['make_transaction(account_id=12345, xact_type="withdrawal", amount=0.25)', '{"status": "Withdrawal successful", "new_balance": 10499.75}'],
    ['fund_account(amount=100)', '{"status": "Account funded successfully", "new_balance": 10599.75}'],
    ['update_market_status(current_time_str="13:00 PM")', "Error during execution: time data '13:00 PM' does not match format '%I:%M %p'"],
    ['update_market_status(current_time_str=None)', 'Error during execution: strptime() argument 1 must be str, not None'],
    [
      'get_transaction_history(start_date="2024-09-02")',
      '{"transaction_history": [{"type": "deposit", "amount": 500, "timestamp": "2024-09-02 05:40:15"}, {"type": "deposit", "amount": 100, "timestamp": "2024-09-02 04:29:48"}]}',
    ],
    [
      'get_transaction_history(start_date="2024-09-01", end_date="2024-09-02")',
      '{"transaction_history": [{"type": "withdrawal", "amount": 0.25, "timestamp": "2024-09-01 12:26:34"}]}',
    ],
    ['get_transaction_history(end_date="2024-02-30")', 'Error during execution: day is out of range for month'],
    ['get_order_details(order_id=12345.0)', '{"id": 12345, "order_type": "Buy", "symbol": "AAPL", "price": 210.65, "amount": 10, "status": "Completed"}'],
    ['get_order_details(order_id="12345")', '{"error": "Order with ID 12345 not found.Here is the list of orders_id: [12345, 12446]"}'],
    ['cancel_order(order_id=12446.0)', '{"order_id": 12446.0, "status": "Cancelled"}'],
    ['cancel_order(order_id=12345)', '{"error": "Can\'t cancel order 12345. Order is already completed."}'],
    ['place_order(order_type="Buy", symbol="TSLA", price=700, amount=3)', '{"order_id": 12446, "order_type": "Buy", "status": "Pending", "price": 700.0, "amount": 3}'],
    ['place_order(order_type="Buy", symbol="TSLA", price="700", amount=3)', "Error during execution: '<=' not supported between instances of 'str' and 'int'"],
    ['get_order_history()', '{"history": [12345, 12446]}'],
    ['update_stock_price(symbol="ZETA", new_price=25)', '{"symbol": "ZETA", "old_price": 22.09, "new_price": 25}'],
    ['notify_price_change(stocks=["ZETA", "AAPL", "XXX"], threshold=10)', '{"notification": "Stocks ZETA have significant price changes."}'],
    ['filter_stocks_by_price(stocks=["AAPL", "ZETA", "XXX"], min_price=0, max_price=300)', '{"filtered_stocks": ["AAPL", "ZETA", "XXX"]}'],
    ['add_to_watchlist(stock="XXX")', '{"symbol": ["NVDA"]}'],
    ['add_to_watchlist(stock="ZETA")', '{"symbol": ["NVDA", "ZETA"]}'],
    ['remove_stock_from_watchlist(symbol="NVDA")', '{"status": "Stock NVDA removed from watchlist successfully."}'],
    ['get_watchlist()', '{"watchlist": ["ZETA"]}'],
    ['get_symbol_by_name(name=["Apple"])', "Error during execution: unhashable type: 'list'"],
  ];
  for (const [call, expected] of cases) assert.equal(s.execute(call), expected, call);
  const state = s.instances.get('TradingBot')!.publicState();
  assert.equal(
    jsonDumps(state.transaction_history!),
    '[{"type": "deposit", "amount": 500, "timestamp": "2024-09-02 05:40:15"}, {"type": "withdrawal", "amount": 0.25, "timestamp": "2024-09-01 12:26:34"}, {"type": "deposit", "amount": 100, "timestamp": "2024-09-02 04:29:48"}]',
  );
  // percent_change = ((25 - 22.09) / 22.09) * 100 in float arithmetic; the price stays the int 25.
  assert.equal(jsonDumps((state.stocks as PyDict).getItem('ZETA')), '{"price": 25, "percent_change": 13.173381620642827, "volume": 0.789, "MA(5)": 22.12, "MA(20)": 22.34}');
  assert.equal(jsonDumps(state.orders!), '{"12345": {"id": 12345, "order_type": "Buy", "symbol": "AAPL", "price": 210.65, "amount": 10, "status": "Completed"}, "12446": {"id": 12446, "order_type": "Buy", "symbol": "TSLA", "price": 700.0, "amount": 3, "status": "Open"}}');
  assert.equal(state.order_counter, 12447n);
});

// datetime.strptime results and error texts printed by CPython 3.11.7 for the same inputs.
test('strptime follows CPython 3.11: lenient widths, whitespace runs, AM/PM, range checks and error texts', () => {
  const parsed = (data: string, format: string): string => {
    try {
      const t = strptime(data, format);
      return [t.year, t.month, t.day, t.hour, t.minute, t.second].join(' ');
    } catch (e) {
      return `${(e as Error).name}: ${(e as Error).message}`;
    }
  };
  const cases: Array<[string, string, string]> = [
    ['2024-1-5', '%Y-%m-%d', '2024 1 5 0 0 0'],
    ['2024-02-30', '%Y-%m-%d', 'ValueError: day is out of range for month'],
    ['2023-02-29', '%Y-%m-%d', 'ValueError: day is out of range for month'],
    ['2024-02-29', '%Y-%m-%d', '2024 2 29 0 0 0'],
    ['0000-01-01', '%Y-%m-%d', 'ValueError: year 0 is out of range'],
    ['2024-01-01 ', '%Y-%m-%d', 'ValueError: unconverted data remains:  '],
    ['2024/01/01', '%Y-%m-%d', "ValueError: time data '2024/01/01' does not match format '%Y-%m-%d'"],
    ["it's", '%Y', `ValueError: time data "it's" does not match format '%Y'`],
    ['12:05  pm', '%I:%M %p', '1900 1 1 12 5 0'],
    ['12:05 am', '%I:%M %p', '1900 1 1 0 5 0'],
    ['1:5 Pm', '%I:%M %p', '1900 1 1 13 5 0'],
    ['13:00 PM', '%I:%M %p', "ValueError: time data '13:00 PM' does not match format '%I:%M %p'"],
    ['2024-09-01 10:30:61', '%Y-%m-%d %H:%M:%S', 'ValueError: second must be in 0..59'],
    ['2024-09-01  7:3:1', '%Y-%m-%d %H:%M:%S', '2024 9 1 7 3 1'],
  ];
  for (const [data, format, expected] of cases) assert.equal(parsed(data, format), expected, data);
  assert.throws(() => strptime(5n, '%Y'), { name: 'TypeError', message: 'strptime() argument 1 must be str, not int' });
});

function sha256Prefix(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

// Long-context mode appends long_context.py's filler; (length, sha256 prefix) of each result as printed by the
// original for the same calls. The scenario has an order keyed "x" whose value is a str, as in some entries.
test('TradingBot: long-context results and the errors of malformed orders', () => {
  const s = new ApiSession({
    involvedClasses: ['TradingBot'],
    initialConfig: PyDict.of({
      TradingBot: jsonLoads('{"orders": {"7": {"symbol": "TSLA", "price": 1.5}, "x": "Buy"}, "authenticated": true}'),
    }),
    longContext: true,
    context: { clock: fixedClock(GOLDEN_DATE) },
    registry: new Map([['TradingBot', TradingBotClass]]),
  });
  const cases: Array<[string, number, string]> = [
    ['get_watchlist()', 7006, 'e1dbb278d586e6a3'],
    ['get_order_details(order_id=7)', 7277, '2f6045425ea03cdf'],
    ['get_available_stocks(sector="Automobile")', 7056, '91e0759f757de47d'],
    ['get_stock_info(symbol="NVDA")', 31704, '14f5ff8b83066efc'],
    ['get_transaction_history(start_date="2030-01-01")', 84370, '90e61bc30bb773d3'],
  ];
  for (const [call, length, hash] of cases) {
    const result = s.execute(call);
    assert.deepEqual([result.length, sha256Prefix(result)], [length, hash], `${call}: ${result.slice(0, 200)}`);
  }
  assert.ok(s.execute('get_watchlist()').endsWith(", 'ZRFRE', Ellipsis]"));
  assert.equal(s.execute('get_order_details(order_id="x")'), "Error during execution: 'str' object has no attribute 'copy'");
  assert.equal(s.execute('cancel_order(order_id="x")'), "Error during execution: string indices must be integers, not 'str'");
  assert.equal(s.execute('get_order_history()'), '{"history": [7, "x"]}');
});

test('TradingBot: every golden ground-truth result and state of the four categories', (t) => {
  if (!goldenAvailable()) {
    t.skip(GOLDEN_MISSING);
    return;
  }
  const report = replayAll(TradingBotClass);
  assert.deepEqual(report.mismatches.slice(0, 5), [], `${report.mismatches.length} mismatches`);
  // 50 entries per category involve TradingBot; counts pin that the replay really covered them.
  assert.deepEqual([report.entries, report.turns, report.calls], [200, 956, 896]);
});
