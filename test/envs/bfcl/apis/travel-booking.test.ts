import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { GOLDEN_DATE, fixedClock, type Clock } from '../../../../src/envs/bfcl/apis/contract.js';
import { TravelApiClass } from '../../../../src/envs/bfcl/apis/travel-booking.js';
import { ApiSession } from '../../../../src/envs/bfcl/executor.js';
import { jsonLoads } from '../../../../src/envs/bfcl/python/json.js';
import { PyDict, jsonDumps } from '../../../../src/envs/bfcl/python/value.js';
import { GOLDEN_MISSING, goldenAvailable } from '../golden-support.js';
import { replayAll } from './golden-replay.js';

function session(config: string, longContext = false, clock: Clock = fixedClock(GOLDEN_DATE)): ApiSession {
  return new ApiSession({
    involvedClasses: ['TravelAPI'],
    initialConfig: PyDict.of({ TravelAPI: jsonLoads(config) }),
    longContext,
    context: { clock },
    registry: new Map([['TravelAPI', TravelApiClass]]),
  });
}

const AUTH =
  'authenticate_travel(client_id="c", client_secret="s", refresh_token="r", grant_type="read_write", user_first_name="Ann", user_last_name="Lee")';

// Expected strings printed by the original travel_booking.py (CPython 3.11.7) through the original executor for the
// same calls, with datetime.today() on 2026-11-25.
test('TravelAPI: token uses, seeded ids, flight costs, exchange rates and the traveller check', () => {
  const s = session('{}');
  const cases: Array<[string, string]> = [
    ['travel_get_login_status()', '{"status": false}'],
    // No token was ever issued: `None -= 1` raises.
    ['retrieve_invoice(access_token="t")', "Error during execution: unsupported operand type(s) for -=: 'NoneType' and 'int'"],
    [
      'register_credit_card(access_token="t", card_number="4111", expiration_date="12/30", cardholder_name="Ann Lee", card_verification_number=123)',
      '{"error": "Token not initialized"}',
    ],
    [AUTH, '{"expires_in": 2, "access_token": "251675", "token_type": "Bearer", "scope": "read_write"}'],
    [
      'register_credit_card(access_token="wrong", card_number="4111", expiration_date="12/30", cardholder_name="Ann Lee", card_verification_number=123)',
      '{"error": "Invalid access token"}',
    ],
    ['travel_get_login_status()', '{"status": true}'],
    ['get_flight_cost(travel_from="SFO", travel_to="LAX", travel_date="2024-11-15", travel_class="first")', '{"travel_cost_list": [2000.0]}'],
    ['get_flight_cost(travel_from="LAX", travel_to="SFO", travel_date="2024-11-16", travel_class="business")', '{"travel_cost_list": [200.0]}'],
    ['get_flight_cost(travel_from="LAX", travel_to="XXX", travel_date="2024-11-16", travel_class="business")', 'Error during execution: No available route for the given airports.'],
    ['get_flight_cost(travel_from=["LAX"], travel_to="SFO", travel_date="2024-11-16", travel_class="business")', "Error during execution: unhashable type: 'list'"],
    ['compute_exchange_rate(base_currency="USD", target_currency="RMB", value=100)', '{"exchanged_value": 700}'],
    ['compute_exchange_rate(base_currency="EUR", target_currency="USD", value=1.0)', '{"exchanged_value": 1.25}'],
    ['compute_exchange_rate(base_currency="JPY", target_currency="USD", value=1000)', '{"exchanged_value": 9.09}'],
    // round(2.675, 2) and round(0.125, 2): Python rounds the exact binary value half to even.
    ['compute_exchange_rate(base_currency="EUR", target_currency="USD", value=2.14)', '{"exchanged_value": 2.67}'],
    ['compute_exchange_rate(base_currency="EUR", target_currency="USD", value=0.1)', '{"exchanged_value": 0.12}'],
    ['compute_exchange_rate(base_currency="USD", target_currency="EUR", value=0.1)', '{"exchanged_value": 0.08000000000000002}'],
    ['compute_exchange_rate(base_currency="USD", target_currency="USD", value=1)', 'Error during execution: No available exchange rate for the given currencies.'],
    ['verify_traveler_information(first_name="Ann", last_name="Lee", date_of_birth="2008-11-25", passport_number="US1")', '{"verification_status": true}'],
    [
      'verify_traveler_information(first_name="Ann", last_name="Lee", date_of_birth="2008-11-26", passport_number="US1")',
      '{"verification_status": false, "verification_failure": "Traveler must be at least 18 years old."}',
    ],
    [
      'verify_traveler_information(first_name="Ann", last_name="Lee", date_of_birth="2008-13-01", passport_number="US1")',
      '{"verification_status": false, "verification_failure": "Invalid date of birth format. Please use YYYY-MM-DD."}',
    ],
    [
      'verify_traveler_information(first_name="Bob", last_name="Lee", date_of_birth="2008-11-25", passport_number="US1")',
      '{"verification_status": false, "verification_failure": "Cannot book flight information for another user.Expected Ann Lee, got Bob Lee"}',
    ],
    [
      'verify_traveler_information(first_name="Ann", last_name="Lee", date_of_birth="1990-01-01", passport_number="UK1")',
      '{"verification_status": false, "verification_failure": "Passport must be issued by the United States."}',
    ],
    // The wrong token above left one use; this one is the last, then the token is expired.
    ['set_budget_limit(access_token="bad", budget_limit="2500")', '{"error": "Invalid access token"}'],
    ['set_budget_limit(access_token="251675", budget_limit="2500")', '{"error": "Token expired"}'],
    ['travel_get_login_status()', '{"status": false}'],
    ['get_all_credit_cards()', '{"credit_card_list": {}}'],
  ];
  for (const [call, expected] of cases) assert.equal(s.execute(call), expected, call);
});

test('TravelAPI: booking draws ids after the card, charges the card and keeps the record', () => {
  const s = session('{"budget_limit": 3000.0}');
  const cases: Array<[string, string]> = [
    [AUTH, '{"expires_in": 2, "access_token": "251675", "token_type": "Bearer", "scope": "read_write"}'],
    [
      'register_credit_card(access_token="251675", card_number="4111", expiration_date="12/30", cardholder_name="Ann Lee", card_verification_number=123)',
      '{"card_id": "391310425148"}',
    ],
    ['get_credit_card_balance(access_token="251675", card_id="x")', '{"error": "Card not registered. Here are a list of card_id\'s: [\'391310425148\']"}'],
    [
      'book_flight(access_token="251675", card_id="391310425148", travel_date="2024-11-15", travel_from="SFO", travel_to="LAX", travel_class="first")',
      '{"booking_id": "4191922", "transaction_id": "56121276", "booking_status": true, "booking_history": {}}',
    ],
    [
      'book_flight(access_token="251675", card_id="391310425148", travel_date="2024-11-31", travel_from="SFO", travel_to="LAX", travel_class="first")',
      '{"booking_status": false, "error": "Invalid date format. Use YYYY-MM-DD."}',
    ],
    [
      'book_flight(access_token="251675", card_id="391310425148", travel_date="2024-11-15", travel_from="SFO", travel_to="HND", travel_class="first")',
      '{"booking_status": false, "error": "No available route for the given airports."}',
    ],
    [
      'book_flight(access_token="251675", card_id="391310425148", travel_date="2024-11-15", travel_from="SFO", travel_to="LAX", travel_class=["first"])',
      "Error during execution: unhashable type: 'list'",
    ],
    ['set_budget_limit(access_token="251675", budget_limit="2500")', '{"budget_limit": 2500.0}'],
    [
      'purchase_insurance(access_token="251675", insurance_type="travel", booking_id="nope", insurance_cost=100, card_id="391310425148")',
      '{"insurance_status": false, "error": "Booking not found"}',
    ],
    ['get_credit_card_balance(access_token="251675", card_id="391310425148")', '{"card_balance": 56617.0}'],
    ['retrieve_invoice(access_token="251675")', '{"error": "Booking not found"}'],
    ['cancel_booking(access_token="bad", booking_id="x")', '{"cancel_status": false, "error": "Invalid access token"}'],
    ['cancel_booking(access_token="bad", booking_id="x")', '{"cancel_status": false, "error": "Invalid access token"}'],
    ['cancel_booking(access_token="251675", booking_id="x")', '{"cancel_status": false, "error": "Token expired"}'],
  ];
  for (const [call, expected] of cases) assert.equal(s.execute(call), expected, call);
  assert.equal(
    jsonDumps(PyDict.of(s.instances.get('TravelAPI')!.publicState())),
    '{"credit_card_list": {"391310425148": {"card_number": "4111", "expiration_date": "12/30", "cardholder_name": "Ann Lee", "card_verification_number": 123, "balance": 56617.0}}, "booking_record": {"4191922": {"card_id": "391310425148", "travel_date": "2024-11-15", "travel_from": "SFO", "travel_to": "LAX", "travel_class": "first", "travel_cost": 2000.0, "transaction_id": "56121276"}}, "access_token": "251675", "token_type": "Bearer", "token_expires_in": 0, "token_scope": "read_write", "user_first_name": "Ann", "user_last_name": "Lee", "budget_limit": 2500.0, "long_context": false}',
  );
});

test('TravelAPI: the traveller age is counted from the injected clock', () => {
  const verify = (clock: Clock): string => {
    const s = session('{"user_first_name": "Ann", "user_last_name": "Lee"}', false, clock);
    return s.execute('verify_traveler_information(first_name="Ann", last_name="Lee", date_of_birth="2008-11-26", passport_number="US1")');
  };
  // Born 2008-11-26: 17 on 2026-11-25, 18 on 2026-11-26.
  assert.equal(verify(fixedClock(GOLDEN_DATE)), '{"verification_status": false, "verification_failure": "Traveler must be at least 18 years old."}');
  assert.equal(verify(fixedClock(new Date(Date.UTC(2026, 10, 26)))), '{"verification_status": true}');
});

function sha256Prefix(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

// (length, sha256 prefix) of the original's results for the same calls in long-context mode: every route's cost,
// and the whole booking record (with long_context.py's filler bookings) returned by book_flight.
test('TravelAPI: long-context flight costs, booking history and filler cards', () => {
  const s = session('{"credit_card_list": {"c1": {"balance": 5000.0}}, "access_token": "tok", "token_expires_in": 3}', true);
  const cases: Array<[string, number, string]> = [
    ['get_flight_cost(travel_from="SFO", travel_to="LAX", travel_date="2024-11-15", travel_class="economy")', 1111, '8434157d1fd3df9f'],
    ['book_flight(access_token="tok", card_id="c1", travel_date="2024-11-15", travel_from="RMS", travel_to="SBK", travel_class="economy")', 3468, 'cccc20ac3b609653'],
    ['get_all_credit_cards()', 3867, 'dd095d43ba98f662'],
  ];
  for (const [call, length, hash] of cases) {
    const result = s.execute(call);
    assert.deepEqual([result.length, sha256Prefix(result)], [length, hash], `${call}: ${result.slice(0, 200)}`);
  }
});

test('TravelAPI: every golden ground-truth result and state of the four categories', (t) => {
  if (!goldenAvailable()) {
    t.skip(GOLDEN_MISSING);
    return;
  }
  const report = replayAll(TravelApiClass);
  assert.deepEqual(report.mismatches.slice(0, 5), [], `${report.mismatches.length} mismatches`);
  assert.deepEqual([report.entries, report.turns, report.calls], [200, 904, 813]);
});
