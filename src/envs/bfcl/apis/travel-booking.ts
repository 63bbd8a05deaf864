import { pyAdd, pyCompare, pyFloat, pyInt, pyMul, pyRound, pySub, pyTrueDiv } from '../python/ops.js';
import { asDict, augmented, getItem, pyIn, pyIter, setItem } from '../python/builtins.js';
import { strptime } from '../python/datetime.js';
import { PyRandom, seedOf } from '../python/random.js';
import {
  PyDict,
  PyTuple,
  attributeError,
  deepCopy,
  pyEq,
  pyRepr,
  pyStr,
  pyTypeName,
  valueError,
  type PyValue,
} from '../python/value.js';
import { defineApiClass, scenarioGet, sig, type ApiContext, type ApiInstance, type Clock } from './contract.js';
import { processStateOf, type ProcessState } from './process-state.js';

/**
 * Port of travel_booking.py (TravelAPI): token authentication, credit cards, flight costs and bookings, insurance,
 * exchange rates and a traveller check.
 *
 * Quirks kept from the original: ids, tokens and card balances are seeded `randint` draws; a wrong access token
 * costs one use of the token (and a TypeError when no token was ever issued, `None -= 1`); `datetime.today()` is
 * the injected clock (`ApiContext.clock`); in long-context mode the filler cards and bookings of long_context.py are
 * merged in as the shared module objects (as Python does, so their balances are shared; the session's `ProcessState`
 * holds them), `get_flight_cost` lists
 * every route and `book_flight` returns the whole booking record.
 */

const DEFAULT_STATE = PyDict.of({
  random_seed: 141053n,
  credit_card_list: new PyDict(),
  booking_record: new PyDict(),
  access_token: null,
  token_type: null,
  token_expires_in: null,
  token_scope: null,
  user_first_name: null,
  user_last_name: null,
  budget_limit: null,
});

/** get_flight_cost's base costs in USD, in the original dict's order (the long-context listing follows it). */
const BASE_COSTS: ReadonlyArray<readonly [string, string, number]> = [
  ['SFO', 'LAX', 200], ['SFO', 'JFK', 500], ['SFO', 'ORD', 400], ['SFO', 'BOS', 450], ['SFO', 'RMS', 300],
  ['SFO', 'SBK', 350], ['SFO', 'MPC', 370], ['SFO', 'SVP', 320], ['SFO', 'SHD', 330], ['SFO', 'SSV', 340],
  ['SFO', 'OKD', 360], ['SFO', 'WLB', 310], ['SFO', 'CRH', 380], ['SFO', 'ATV', 390], ['SFO', 'PHV', 420],
  ['SFO', 'GFD', 430], ['SFO', 'CIA', 700], ['LAX', 'SFO', 100], ['LAX', 'JFK', 600], ['LAX', 'ORD', 500],
  ['LAX', 'BOS', 550], ['LAX', 'RMS', 310], ['LAX', 'SBK', 320], ['LAX', 'MPC', 330], ['LAX', 'SVP', 340],
  ['LAX', 'SHD', 350], ['LAX', 'SSV', 360], ['LAX', 'OKD', 370], ['LAX', 'WLB', 380], ['LAX', 'CRH', 390],
  ['LAX', 'ATV', 400], ['LAX', 'PHV', 410], ['LAX', 'GFD', 420], ['LAX', 'HND', 430], ['JFK', 'ORD', 300],
  ['JFK', 'BOS', 250], ['JFK', 'RMS', 450], ['JFK', 'SBK', 460], ['JFK', 'MPC', 470], ['JFK', 'SVP', 480],
  ['JFK', 'SHD', 490], ['JFK', 'SSV', 500], ['JFK', 'OKD', 510], ['JFK', 'WLB', 520], ['JFK', 'CRH', 530],
  ['JFK', 'ATV', 540], ['JFK', 'PHV', 550], ['JFK', 'GFD', 560], ['JFK', 'LAX', 570], ['JFK', 'HND', 800],
  ['JFK', 'PVG', 950], ['JFK', 'PEK', 1000], ['ORD', 'LAX', 180], ['ORD', 'BOS', 200], ['ORD', 'RMS', 350],
  ['ORD', 'SBK', 360], ['ORD', 'MPC', 370], ['ORD', 'SVP', 380], ['ORD', 'SHD', 390], ['ORD', 'SSV', 400],
  ['ORD', 'OKD', 410], ['ORD', 'WLB', 420], ['ORD', 'CRH', 430], ['ORD', 'ATV', 440], ['ORD', 'PHV', 450],
  ['ORD', 'GFD', 460], ['BOS', 'RMS', 400], ['BOS', 'SBK', 410], ['BOS', 'MPC', 420], ['BOS', 'SVP', 430],
  ['BOS', 'SHD', 440], ['BOS', 'SSV', 450], ['BOS', 'OKD', 460], ['BOS', 'WLB', 470], ['BOS', 'CRH', 480],
  ['BOS', 'ATV', 490], ['BOS', 'PHV', 500], ['BOS', 'GFD', 510], ['RMS', 'BOS', 200], ['RMS', 'JFK', 210],
  ['RMS', 'SBK', 220], ['RMS', 'MPC', 230], ['RMS', 'SVP', 240], ['RMS', 'SHD', 250], ['RMS', 'SSV', 260],
  ['RMS', 'OKD', 270], ['RMS', 'WLB', 280], ['RMS', 'CRH', 290], ['RMS', 'ATV', 300], ['RMS', 'PHV', 310],
  ['RMS', 'GFD', 320], ['RMS', 'LAX', 330], ['SBK', 'MPC', 200], ['SBK', 'SVP', 210], ['SBK', 'SHD', 220],
  ['SBK', 'SSV', 230], ['SBK', 'OKD', 240], ['SBK', 'WLB', 250], ['SBK', 'CRH', 260], ['SBK', 'ATV', 270],
  ['SBK', 'PHV', 280], ['SBK', 'GFD', 290], ['MPC', 'SVP', 210], ['MPC', 'SHD', 220], ['MPC', 'SSV', 230],
  ['MPC', 'OKD', 240], ['MPC', 'WLB', 250], ['MPC', 'CRH', 260], ['MPC', 'ATV', 270], ['MPC', 'PHV', 280],
  ['MPC', 'GFD', 290], ['SVP', 'SHD', 230], ['SVP', 'SSV', 240], ['SVP', 'OKD', 250], ['SVP', 'WLB', 260],
  ['SVP', 'CRH', 270], ['SVP', 'ATV', 280], ['SVP', 'PHV', 290], ['SVP', 'GFD', 300], ['SHD', 'SSV', 220],
  ['SHD', 'OKD', 230], ['SHD', 'WLB', 240], ['SHD', 'CRH', 250], ['SHD', 'ATV', 260], ['SHD', 'PHV', 270],
  ['SHD', 'GFD', 280], ['SSV', 'OKD', 240], ['SSV', 'WLB', 250], ['SSV', 'CRH', 260], ['SSV', 'ATV', 270],
  ['SSV', 'PHV', 280], ['SSV', 'GFD', 290], ['OKD', 'WLB', 230], ['OKD', 'CRH', 240], ['OKD', 'ATV', 250],
  ['OKD', 'PHV', 260], ['OKD', 'GFD', 270], ['WLB', 'CRH', 250], ['WLB', 'ATV', 260], ['WLB', 'PHV', 270],
  ['WLB', 'GFD', 280], ['CRH', 'ATV', 240], ['CRH', 'PHV', 250], ['CRH', 'GFD', 260], ['CRH', 'SFO', 270],
  ['CRH', 'RMS', 280], ['CRH', 'HKG', 290], ['CRH', 'JFK', 300], ['ATV', 'PHV', 230], ['ATV', 'GFD', 240],
  ['PHV', 'GFD', 220], ['LHR', 'CDG', 100], ['OKD', 'LAX', 220],
];

const BASE_COST_TABLE = new PyDict(BASE_COSTS.map(([from, to, cost]) => [new PyTuple([from, to]), BigInt(cost)] as const));

const AIRPORTS: PyValue[] = [
  'RMS', 'SBK', 'MPC', 'SVP', 'SHD', 'CDG', 'LHR', 'SSV', 'OKD', 'WLB', 'PEK', 'HND',
  'HKG', 'CIA', 'CRH', 'ATV', 'PHV', 'GFD', 'SFO', 'LAX', 'JFK', 'ORD', 'BOS',
];

const AIRPORT_BY_CITY = PyDict.of({
  Rivermist: 'RMS',
  Stonebrook: 'SBK',
  Maplecrest: 'MPC',
  Silverpine: 'SVP',
  Shadowridge: 'SHD',
  London: 'LHR',
  Paris: 'CDG',
  'Sunset Valley': 'SSV',
  Oakendale: 'OKD',
  Willowbend: 'WLB',
  'Crescent Hollow': 'CRH',
  Autumnville: 'ATV',
  Pinehaven: 'PHV',
  Greenfield: 'GFD',
  'San Francisco': 'SFO',
  'Los Angeles': 'LAX',
  'New York': 'JFK',
  Chicago: 'ORD',
  Boston: 'BOS',
  Beijing: 'PEK',
  'Hong Kong': 'HKG',
  Rome: 'CIA',
  Tokyo: 'HND',
});

/** compute_exchange_rate's table: 1 USD in each currency (ints stay ints: 100 USD is 700 RMB, not 700.0). */
const EXCHANGE_RATES: ReadonlyArray<readonly [string, string, PyValue]> = [
  ['USD', 'RMB', 7n],
  ['USD', 'EUR', 0.8],
  ['USD', 'JPY', 110n],
  ['USD', 'GBP', 0.7],
  ['USD', 'CAD', 1.3],
  ['USD', 'AUD', 1.4],
  ['USD', 'INR', 70n],
  ['USD', 'RUB', 60n],
  ['USD', 'BRL', 3.8],
  ['USD', 'MXN', 20n],
];

const TRAVEL_CLASS_FACTOR: ReadonlyArray<readonly [string, bigint]> = [
  ['economy', 1n],
  ['business', 2n],
  ['first', 5n],
];

export class TravelAPI implements ApiInstance {
  credit_card_list: PyValue = null;
  booking_record: PyValue = null;
  access_token: PyValue = null;
  token_type: PyValue = null;
  token_expires_in: PyValue = null;
  token_scope: PyValue = null;
  user_first_name: PyValue = null;
  user_last_name: PyValue = null;
  budget_limit: PyValue = null;
  long_context = false;
  private random = new PyRandom(0);
  /** `_flight_cost_lookup`: "from|to|class|date" → cost, filled by get_flight_cost and read by book_flight. */
  private flightCostLookup = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly process: ProcessState,
  ) {}

  loadScenario(scenario: PyDict, longContext: boolean): void {
    const defaults = deepCopy(DEFAULT_STATE);
    const get = (key: string): PyValue => scenarioGet(scenario, key, defaults.getItem(key));
    this.random = new PyRandom(seedOf(get('random_seed')));
    this.credit_card_list = get('credit_card_list');
    this.booking_record = get('booking_record');
    this.access_token = get('access_token');
    this.token_type = get('token_type');
    this.token_expires_in = get('token_expires_in');
    this.token_scope = get('token_scope');
    this.user_first_name = get('user_first_name');
    this.user_last_name = get('user_last_name');
    this.budget_limit = get('budget_limit');
    this.long_context = longContext;
    if (longContext) {
      // Existing cards and bookings are kept; the filler entries are the shared module objects, as in Python.
      const cards = asDict(this.credit_card_list, 'items');
      for (const [id, card] of this.process.creditCardExtension) if (!cards.has(id)) cards.set(id, card);
      const bookings = asDict(this.booking_record, 'items');
      for (const [id, booking] of this.process.bookingRecordExtension) if (!bookings.has(id)) bookings.set(id, booking);
    }
  }

  publicState(): Record<string, PyValue> {
    return {
      credit_card_list: this.credit_card_list,
      booking_record: this.booking_record,
      access_token: this.access_token,
      token_type: this.token_type,
      token_expires_in: this.token_expires_in,
      token_scope: this.token_scope,
      user_first_name: this.user_first_name,
      user_last_name: this.user_last_name,
      budget_limit: this.budget_limit,
      long_context: this.long_context,
    };
  }

  /** The shared prologue of the token-protected methods: null when the token is usable, else the error text. */
  private tokenError(access_token: PyValue): string | null {
    if (pyEq(this.token_expires_in, 0n)) return 'Token expired';
    if (!pyEq(access_token, this.access_token)) {
      // A wrong token uses up one of the token's remaining uses (`None -= 1` raises when none was issued).
      this.token_expires_in = augmented('-=', pySub, this.token_expires_in, 1n);
      return 'Invalid access token';
    }
    return null;
  }

  authenticate_travel(
    client_id: PyValue,
    client_secret: PyValue,
    refresh_token: PyValue,
    grant_type: PyValue,
    user_first_name: PyValue,
    user_last_name: PyValue,
  ): PyValue {
    void client_id;
    void client_secret;
    void refresh_token; // the original issues a token to anyone
    this.token_expires_in = 2n;
    this.access_token = String(this.random.randint(100000n, 999999n)); // 6 digits
    this.token_type = 'Bearer';
    this.token_scope = grant_type;
    this.user_first_name = user_first_name;
    this.user_last_name = user_last_name;
    return PyDict.of({ expires_in: 2n, access_token: this.access_token, token_type: 'Bearer', scope: grant_type });
  }

  travel_get_login_status(): PyValue {
    const loggedOut = this.token_expires_in === null || pyEq(this.token_expires_in, 0n);
    return PyDict.of({ status: !loggedOut });
  }

  get_budget_fiscal_year(lastModifiedAfter: PyValue, includeRemoved: PyValue): PyValue {
    void lastModifiedAfter;
    void includeRemoved; // the original ignores both filters
    return PyDict.of({ budget_fiscal_year: '2018' });
  }

  register_credit_card(
    access_token: PyValue,
    card_number: PyValue,
    expiration_date: PyValue,
    cardholder_name: PyValue,
    card_verification_number: PyValue,
  ): PyValue {
    if (this.token_expires_in === null) return PyDict.of({ error: 'Token not initialized' });
    const tokenError = this.tokenError(access_token);
    if (tokenError !== null) return PyDict.of({ error: tokenError });
    // The original checks the card number against the card ids.
    if (pyIn(card_number, this.credit_card_list)) return PyDict.of({ error: 'Card already registered' });
    const card_id = String(this.random.randint(100000000000n, 999999999999n)); // 12 digits
    const card = PyDict.of({ card_number, expiration_date, cardholder_name, card_verification_number });
    card.set('balance', this.random.randint(10000n, 99999n)); // 5 digits, drawn after the id
    setItem(this.credit_card_list, card_id, card);
    return PyDict.of({ card_id });
  }

  get_flight_cost(travel_from: PyValue, travel_to: PyValue, travel_date: PyValue, travel_class: PyValue): PyValue {
    const base = BASE_COST_TABLE.get(new PyTuple([travel_from, travel_to]));
    if (base === undefined) throw valueError('No available route for the given airports.');
    const factor = TRAVEL_CLASS_FACTOR.find(([name]) => pyEq(travel_class, name))?.[1];
    if (factor === undefined) throw valueError('Invalid travel class. Options are: economy, business, first.');
    // Dates whose digits sum to an even number cost double.
    let digitSum: PyValue = 0n;
    for (const char of pyIter(travel_date)) {
      if (typeof char !== 'string') throw attributeError(`'${pyTypeName(char)}' object has no attribute 'isdigit'`);
      if (/^[0-9]+$/.test(char)) digitSum = pyAdd(digitSum, pyInt(char));
    }
    const multiplier = (digitSum as bigint) % 2n === 0n ? 2n : 1n;
    const keySuffix = `|${pyStr(travel_class)}|${pyStr(travel_date)}`;
    const costOf = (baseCost: PyValue): number => Number((baseCost as bigint) * factor * multiplier);
    const costs: PyValue[] = [];
    this.flightCostLookup = new Map();
    if (this.long_context) {
      // Long context lists every route's cost (and caches them all).
      for (const [route, baseCost] of BASE_COST_TABLE) {
        const [from, to] = (route as PyTuple).items;
        const cost = costOf(baseCost);
        this.flightCostLookup.set(`${pyStr(from!)}|${pyStr(to!)}${keySuffix}`, cost);
        costs.push(cost);
      }
    } else {
      const cost = costOf(base);
      this.flightCostLookup.set(`${pyStr(travel_from)}|${pyStr(travel_to)}${keySuffix}`, cost);
      costs.push(cost);
    }
    return PyDict.of({ travel_cost_list: costs });
  }

  get_credit_card_balance(access_token: PyValue, card_id: PyValue): PyValue {
    const tokenError = this.tokenError(access_token);
    if (tokenError !== null) return PyDict.of({ error: tokenError });
    if (!pyIn(card_id, this.credit_card_list)) {
      return PyDict.of({
        error: "Card not registered. Here are a list of card_id's: " + pyRepr(asDict(this.credit_card_list, 'keys').keys()),
      });
    }
    return PyDict.of({ card_balance: getItem(getItem(this.credit_card_list, card_id), 'balance') });
  }

  book_flight(
    access_token: PyValue,
    card_id: PyValue,
    travel_date: PyValue,
    travel_from: PyValue,
    travel_to: PyValue,
    travel_class: PyValue,
  ): PyValue {
    const failed = (error: string): PyDict => PyDict.of({ booking_status: false, error });
    const tokenError = this.tokenError(access_token);
    if (tokenError !== null) return failed(tokenError);
    if (!pyIn(card_id, this.credit_card_list)) return failed('Card not registered');
    const card = getItem(this.credit_card_list, card_id);
    if (!pyIn('balance', card)) return failed('Balance not found');
    if (!pyIn(travel_from, AIRPORTS)) return failed(`Invalid departure airport code: ${pyStr(travel_from)}`);
    if (!pyIn(travel_to, AIRPORTS)) return failed(`Invalid destination airport code: ${pyStr(travel_to)}`);
    try {
      strptime(travel_date, '%Y-%m-%d');
    } catch (e) {
      if (isValueError(e)) return failed('Invalid date format. Use YYYY-MM-DD.');
      throw e;
    }
    // `travel_class not in {"economy", "business", "first"}`; Python prints the set in its per-process hash
    // order, the port in this fixed one.
    if (!TRAVEL_CLASS_FACTOR.some(([name]) => pyEq(travel_class, name))) {
      assertHashable(travel_class);
      return failed("Invalid travel class. Must be one of {'economy', 'business', 'first'}");
    }
    let travel_cost: number;
    try {
      this.get_flight_cost(travel_from, travel_to, travel_date, travel_class);
      const cost = this.flightCostLookup.get(`${pyStr(travel_from)}|${pyStr(travel_to)}|${pyStr(travel_class)}|${pyStr(travel_date)}`);
      if (cost === undefined) return failed('No available route for the given parameters');
      travel_cost = cost;
    } catch (e) {
      if (isValueError(e)) return failed((e as Error).message);
      throw e;
    }
    if (pyCompare('<', getItem(card, 'balance'), travel_cost)) return failed('Insufficient funds');
    // The budget limit is compared with the card balance, not with the cost.
    if (this.budget_limit !== null && pyCompare('<', getItem(card, 'balance'), this.budget_limit)) {
      return failed('Balance is less than budget limit');
    }
    setItem(card, 'balance', augmented('-=', pySub, getItem(card, 'balance'), travel_cost));
    const booking_id = String(this.random.randint(1000000n, 9999999n)); // 7 digits
    const transaction_id = String(this.random.randint(10000000n, 99999999n)); // 8 digits
    setItem(
      this.booking_record,
      booking_id,
      PyDict.of({ card_id, travel_date, travel_from, travel_to, travel_class, travel_cost, transaction_id }),
    );
    return PyDict.of({
      booking_id,
      transaction_id,
      booking_status: true,
      booking_history: this.long_context ? this.booking_record : new PyDict(),
    });
  }

  retrieve_invoice(access_token: PyValue, booking_id: PyValue, insurance_id: PyValue): PyValue {
    void insurance_id; // accepted and ignored by the original
    const tokenError = this.tokenError(access_token);
    if (tokenError !== null) return PyDict.of({ error: tokenError });
    if (!pyIn(booking_id, this.booking_record)) return PyDict.of({ error: 'Booking not found' });
    const booking = getItem(this.booking_record, booking_id);
    const invoice = PyDict.of({ booking_id });
    for (const field of ['travel_date', 'travel_from', 'travel_to', 'travel_class', 'travel_cost', 'transaction_id']) {
      invoice.set(field, getItem(booking, field));
    }
    return PyDict.of({ invoice });
  }

  list_all_airports(): PyValue {
    return [...AIRPORTS]; // a fresh list per call, as the original's literal
  }

  cancel_booking(access_token: PyValue, booking_id: PyValue): PyValue {
    const tokenError = this.tokenError(access_token);
    if (tokenError !== null) return PyDict.of({ cancel_status: false, error: tokenError });
    if (!pyIn(booking_id, this.booking_record)) return PyDict.of({ cancel_status: false, error: 'Booking not found' });
    const booking = getItem(this.booking_record, booking_id);
    const card_id = getItem(booking, 'card_id');
    const travel_cost = getItem(booking, 'travel_cost');
    const card = getItem(this.credit_card_list, card_id);
    setItem(card, 'balance', augmented('+=', pyAdd, getItem(card, 'balance'), travel_cost));
    asDict(this.booking_record, '__delitem__').delete(booking_id);
    return PyDict.of({ cancel_status: true });
  }

  compute_exchange_rate(base_currency: PyValue, target_currency: PyValue, value: PyValue): PyValue {
    for (const [from, to, rate] of EXCHANGE_RATES) {
      if (pyEq(base_currency, from) && pyEq(target_currency, to)) return PyDict.of({ exchanged_value: pyMul(value, rate) });
      if (pyEq(base_currency, to) && pyEq(target_currency, from)) {
        return PyDict.of({ exchanged_value: pyRound(pyTrueDiv(value, rate), 2n) });
      }
    }
    throw valueError('No available exchange rate for the given currencies.');
  }

  verify_traveler_information(
    first_name: PyValue,
    last_name: PyValue,
    date_of_birth: PyValue,
    passport_number: PyValue,
  ): PyValue {
    if (!pyEq(this.user_first_name, first_name) || !pyEq(this.user_last_name, last_name)) {
      return PyDict.of({
        verification_status: false,
        verification_failure:
          'Cannot book flight information for another user.' +
          `Expected ${pyStr(this.user_first_name)} ${pyStr(this.user_last_name)}, got ${pyStr(first_name)} ${pyStr(last_name)}`,
      });
    }
    let birth;
    try {
      birth = strptime(date_of_birth, '%Y-%m-%d');
    } catch (e) {
      if (!isValueError(e)) throw e;
      return PyDict.of({
        verification_status: false,
        verification_failure: 'Invalid date of birth format. Please use YYYY-MM-DD.',
      });
    }
    const today = this.clock.today();
    const beforeBirthday =
      today.getUTCMonth() + 1 < birth.month || (today.getUTCMonth() + 1 === birth.month && today.getUTCDate() < birth.day);
    const age = today.getUTCFullYear() - birth.year - (beforeBirthday ? 1 : 0);
    if (age < 18) {
      return PyDict.of({ verification_status: false, verification_failure: 'Traveler must be at least 18 years old.' });
    }
    if (typeof passport_number !== 'string') {
      throw attributeError(`'${pyTypeName(passport_number)}' object has no attribute 'startswith'`);
    }
    // Only passports issued by the United States ("US...") pass.
    if (!passport_number.startsWith('US')) {
      return PyDict.of({ verification_status: false, verification_failure: 'Passport must be issued by the United States.' });
    }
    return PyDict.of({ verification_status: true });
  }

  set_budget_limit(access_token: PyValue, budget_limit: PyValue): PyValue {
    const tokenError = this.tokenError(access_token);
    if (tokenError !== null) return PyDict.of({ error: tokenError });
    this.budget_limit = pyFloat(budget_limit);
    return PyDict.of({ budget_limit: this.budget_limit });
  }

  get_nearest_airport_by_city(location: PyValue): PyValue {
    return PyDict.of({ nearest_airport: AIRPORT_BY_CITY.get(location) ?? 'Unknown' });
  }

  purchase_insurance(
    access_token: PyValue,
    insurance_type: PyValue,
    booking_id: PyValue,
    insurance_cost: PyValue,
    card_id: PyValue,
  ): PyValue {
    void insurance_type; // any type is sold
    const failed = (error: string): PyDict => PyDict.of({ insurance_status: false, error });
    const tokenError = this.tokenError(access_token);
    if (tokenError !== null) return failed(tokenError);
    if (this.budget_limit !== null && pyCompare('<', this.budget_limit, insurance_cost)) return failed('Exceeded budget limit');
    if (!pyIn(booking_id, this.booking_record)) return failed('Booking not found');
    if (!pyIn(card_id, this.credit_card_list)) return failed('Credit card not registered');
    const card = getItem(this.credit_card_list, card_id);
    setItem(card, 'balance', augmented('-=', pySub, getItem(card, 'balance'), insurance_cost));
    return PyDict.of({
      insurance_id: String(this.random.randint(100000000n, 999999999n)), // 9 digits
      insurance_status: true,
    });
  }

  contact_customer_support(booking_id: PyValue, message: PyValue): PyValue {
    void message; // every message gets the same answer
    if (!pyIn(booking_id, this.booking_record)) return PyDict.of({ error: 'Booking not found' });
    return PyDict.of({
      customer_support_message:
        'Thank you for contacting customer support. Your message has been received and we will get back to you shortly.',
    });
  }

  get_all_credit_cards(): PyValue {
    return PyDict.of({ credit_card_list: this.credit_card_list });
  }
}

function isValueError(e: unknown): boolean {
  return e instanceof Error && e.name === 'ValueError';
}

/** `x in some_set` hashes x first: lists and dicts raise Python's TypeError. */
function assertHashable(v: PyValue): void {
  new PyDict().has(v);
}

export const TravelApiClass = defineApiClass({
  className: 'TravelAPI',
  create: (context: ApiContext) => new TravelAPI(context.clock, processStateOf(context)),
  prototype: TravelAPI.prototype,
  methods: {
    authenticate_travel: sig('client_id', 'client_secret', 'refresh_token', 'grant_type', 'user_first_name', 'user_last_name'),
    book_flight: sig('access_token', 'card_id', 'travel_date', 'travel_from', 'travel_to', 'travel_class'),
    cancel_booking: sig('access_token', 'booking_id'),
    compute_exchange_rate: sig('base_currency', 'target_currency', 'value'),
    contact_customer_support: sig('booking_id', 'message'),
    get_all_credit_cards: sig(),
    get_budget_fiscal_year: sig(['lastModifiedAfter', null], ['includeRemoved', null]),
    get_credit_card_balance: sig('access_token', 'card_id'),
    get_flight_cost: sig('travel_from', 'travel_to', 'travel_date', 'travel_class'),
    get_nearest_airport_by_city: sig('location'),
    list_all_airports: sig(),
    purchase_insurance: sig('access_token', 'insurance_type', 'booking_id', 'insurance_cost', 'card_id'),
    register_credit_card: sig('access_token', 'card_number', 'expiration_date', 'cardholder_name', 'card_verification_number'),
    retrieve_invoice: sig('access_token', ['booking_id', null], ['insurance_id', null]),
    set_budget_limit: sig('access_token', 'budget_limit'),
    travel_get_login_status: sig(),
    verify_traveler_information: sig('first_name', 'last_name', 'date_of_birth', 'passport_number'),
  },
});
