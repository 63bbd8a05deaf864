import { pyAbs, pyAdd, pyCompare, pyFloat, pyMul, pySub, pyTrueDiv } from '../python/ops.js';
import { asDict, asList, augmented, getItem, joinStrings, listRemove, pyIn, pyIter, setItem } from '../python/builtins.js';
import { DATETIME_MAX_KEY, DATETIME_MIN_KEY, formatUtc, sortKey, strptime } from '../python/datetime.js';
import { PyRandom, seedOf } from '../python/random.js';
import {
  PyDict,
  deepCopy,
  pyEq,
  pyRepr,
  pyStr,
  pyTruthy,
  type PyValue,
} from '../python/value.js';
import { defineApiClass, scenarioGet, sig, type ApiInstance } from './contract.js';
import {
  AUTOMOBILE_EXTENSION,
  MA_5_EXTENSION,
  MA_20_EXTENSION,
  ORDER_DETAIL_EXTENSION,
  TECHNOLOGY_EXTENSION,
  TRANSACTION_HISTORY_EXTENSION,
  WATCH_LIST_EXTENSION,
} from './long-context.js';

/**
 * Port of trading_bot.py (TradingBot): orders, an account, a watch list and a stock table.
 *
 * Quirks kept from the original: `get_watchlist` and the unauthenticated history getters return lists (so the
 * executor prints them with Python's `str()`), order ids given as strings of digits in a scenario become ints,
 * transaction timestamps are seeded `randint` draws in the day after CURRENT_TIME (read as UTC), and in long-context
 * mode the filler data of long_context.py is appended to results.
 */

/** `CURRENT_TIME = datetime(2024, 9, 1, 10, 30)`; `int(CURRENT_TIME.timestamp())` with the machine in UTC. */
const CURRENT_TIMESTAMP = 1725186600n;
const ONE_DAY_SECONDS = 86400n;

const stock = (price: number, percent_change: number, volume: number, ma5: number, ma20: number): PyDict =>
  PyDict.of({ price, percent_change, volume, 'MA(5)': ma5, 'MA(20)': ma20 });

const DEFAULT_STATE = PyDict.of({
  orders: new PyDict([
    [12345n, PyDict.of({ id: 12345n, order_type: 'Buy', symbol: 'AAPL', price: 210.65, amount: 10n, status: 'Completed' })],
    [12446n, PyDict.of({ id: 12446n, order_type: 'Sell', symbol: 'GOOG', price: 2840.56, amount: 5n, status: 'Pending' })],
  ]),
  account_info: PyDict.of({ account_id: 12345n, balance: 10000.0, binding_card: 1974202140965533n }),
  authenticated: false,
  market_status: 'Closed',
  order_counter: 12446n,
  stocks: PyDict.of({
    AAPL: stock(227.16, 0.17, 2.552, 227.11, 227.09),
    GOOG: stock(2840.34, 0.24, 1.123, 2835.67, 2842.15),
    TSLA: stock(667.92, -0.12, 1.654, 671.15, 668.2),
    MSFT: stock(310.23, 0.09, 3.234, 309.88, 310.11),
    NVDA: stock(220.34, 0.34, 1.234, 220.45, 220.67),
    ALPH: stock(1320.45, -0.08, 1.567, 1321.12, 1325.78),
    OMEG: stock(457.23, 0.12, 2.345, 456.78, 458.12),
    QUAS: stock(725.89, -0.03, 1.789, 726.45, 728.0),
    NEPT: stock(88.34, 0.19, 0.654, 88.21, 88.67),
    SYNX: stock(345.67, 0.11, 2.112, 345.34, 346.12),
    ZETA: stock(22.09, -0.05, 0.789, 22.12, 22.34),
  }),
  watch_list: ['NVDA'],
  transaction_history: [],
  random_seed: 1053520n,
});

const SYMBOL_BY_NAME = PyDict.of({
  Apple: 'AAPL',
  Google: 'GOOG',
  Tesla: 'TSLA',
  Microsoft: 'MSFT',
  Nvidia: 'NVDA',
  'Zeta Corp': 'ZETA',
  'Alpha Tech': 'ALPH',
  'Omega Industries': 'OMEG',
  'Quasar Ltd.': 'QUAS',
  'Neptune Systems': 'NEPT',
  'Synex Solutions': 'SYNX',
  Amazon: 'AMZN',
});

export class TradingBot implements ApiInstance {
  orders: PyValue = null;
  account_info: PyValue = null;
  authenticated: PyValue = false;
  market_status: PyValue = null;
  order_counter: PyValue = null;
  stocks: PyValue = null;
  watch_list: PyValue = null;
  transaction_history: PyValue = null;
  long_context = false;
  private random = new PyRandom(0);

  loadScenario(scenario: PyDict, longContext: boolean): void {
    const defaults = deepCopy(DEFAULT_STATE);
    const orders = asDict(scenarioGet(scenario, 'orders', defaults.getItem('orders')), 'items');
    // "Convert all string keys that can be interpreted as integers to integer keys" (JSON keys are strings).
    this.orders = new PyDict(
      orders.entries().map(([k, v]) => [typeof k === 'string' && isDigits(k) ? BigInt(k) : k, v] as const),
    );
    this.account_info = scenarioGet(scenario, 'account_info', defaults.getItem('account_info'));
    this.authenticated = scenarioGet(scenario, 'authenticated', defaults.getItem('authenticated'));
    this.market_status = scenarioGet(scenario, 'market_status', defaults.getItem('market_status'));
    this.order_counter = scenarioGet(scenario, 'order_counter', defaults.getItem('order_counter'));
    this.stocks = scenarioGet(scenario, 'stocks', defaults.getItem('stocks'));
    this.watch_list = scenarioGet(scenario, 'watch_list', defaults.getItem('watch_list'));
    this.transaction_history = scenarioGet(scenario, 'transaction_history', defaults.getItem('transaction_history'));
    this.long_context = longContext;
    this.random = new PyRandom(seedOf(scenarioGet(scenario, 'random_seed', defaults.getItem('random_seed'))));
  }

  publicState(): Record<string, PyValue> {
    return {
      orders: this.orders,
      account_info: this.account_info,
      authenticated: this.authenticated,
      market_status: this.market_status,
      order_counter: this.order_counter,
      stocks: this.stocks,
      watch_list: this.watch_list,
      transaction_history: this.transaction_history,
      long_context: this.long_context,
    };
  }

  /** `_generate_transaction_timestamp`: a seeded second in [CURRENT_TIME, CURRENT_TIME + 1 day], as UTC text. */
  private transactionTimestamp(): string {
    const ts = this.random.randint(CURRENT_TIMESTAMP, CURRENT_TIMESTAMP + ONE_DAY_SECONDS);
    return formatUtc(Number(ts));
  }

  get_current_time(): PyValue {
    return PyDict.of({ current_time: '10:30 AM' });
  }

  update_market_status(current_time_str: PyValue): PyValue {
    const t = strptime(current_time_str, '%I:%M %p');
    const seconds = t.hour * 3600 + t.minute * 60 + t.second;
    // market_open_time <= current_time <= market_close_time (9:30 to 16:00)
    const status = 9 * 3600 + 30 * 60 <= seconds && seconds <= 16 * 3600 ? 'Open' : 'Closed';
    this.market_status = status;
    return PyDict.of({ status });
  }

  get_symbol_by_name(name: PyValue): PyValue {
    return PyDict.of({ symbol: SYMBOL_BY_NAME.get(name) ?? 'Stock not found' });
  }

  get_stock_info(symbol: PyValue): PyValue {
    if (!pyIn(symbol, this.stocks)) return PyDict.of({ error: `Stock with symbol '${pyStr(symbol)}' not found.` });
    if (this.long_context) {
      const info = callCopy(getItem(this.stocks, symbol));
      info.set('MA(5)', MA_5_EXTENSION);
      info.set('MA(20)', MA_20_EXTENSION);
      return info;
    }
    return getItem(this.stocks, symbol);
  }

  get_order_details(order_id: PyValue): PyValue {
    const orders = asDict(this.orders, '__contains__');
    if (!orders.has(order_id)) {
      return PyDict.of({
        error:
          `Order with ID ${pyStr(order_id)} not found.` +
          'Here is the list of orders_id: ' +
          pyRepr(orders.keys()),
      });
    }
    if (this.long_context) {
      const order = callCopy(orders.getItem(order_id));
      const symbol = order.getItem('symbol');
      const metadata = new PyDict();
      // str.format(symbol=symbol): the texts hold no placeholder other than {symbol}.
      for (const [key, value] of ORDER_DETAIL_EXTENSION) metadata.set(key, pyStr(value).replaceAll('{symbol}', pyStr(symbol)));
      order.set('metadata', metadata);
      return order;
    }
    return orders.getItem(order_id);
  }

  cancel_order(order_id: PyValue): PyValue {
    const orders = asDict(this.orders, '__contains__');
    if (!orders.has(order_id)) return PyDict.of({ error: `Order with ID ${pyStr(order_id)} not found.` });
    if (pyEq(getItem(orders.getItem(order_id), 'status'), 'Completed')) {
      return PyDict.of({ error: `Can't cancel order ${pyStr(order_id)}. Order is already completed.` });
    }
    setItem(orders.getItem(order_id), 'status', 'Cancelled');
    return PyDict.of({ order_id, status: 'Cancelled' });
  }

  place_order(order_type: PyValue, symbol: PyValue, price: PyValue, amount: PyValue): PyValue {
    if (!pyTruthy(this.authenticated)) {
      return PyDict.of({ error: 'User not authenticated. Please log in to place an order.' });
    }
    if (!pyIn(symbol, this.stocks)) return PyDict.of({ error: `Invalid stock symbol: ${pyStr(symbol)}` });
    if (pyCompare('<=', price, 0n) || pyCompare('<=', amount, 0n)) {
      return PyDict.of({ error: 'Price and amount must be positive values.' });
    }
    const floatPrice = pyFloat(price);
    const order_id = this.order_counter;
    setItem(this.orders, order_id, PyDict.of({ id: order_id, order_type, symbol, price: floatPrice, amount, status: 'Open' }));
    this.order_counter = augmented('+=', pyAdd, this.order_counter, 1n);
    // The original answers "Pending" although the stored order is "Open" (it simulates execution delay).
    return PyDict.of({ order_id, order_type, status: 'Pending', price: floatPrice, amount });
  }

  make_transaction(account_id: PyValue, xact_type: PyValue, amount: PyValue): PyValue {
    if (!pyTruthy(this.authenticated)) {
      return PyDict.of({ error: 'User not authenticated. Please log in to make a transaction.' });
    }
    if (!pyEq(this.market_status, 'Open')) return PyDict.of({ error: 'Market is closed. Transactions are not allowed.' });
    if (!pyEq(account_id, getItem(this.account_info, 'account_id'))) {
      return PyDict.of({ error: `Account with ID ${pyStr(account_id)} not found.` });
    }
    if (pyCompare('<=', amount, 0n)) return PyDict.of({ error: 'Transaction amount must be positive.' });
    if (pyEq(xact_type, 'deposit')) {
      this.addToBalance('+=', amount);
      this.recordTransaction('deposit', amount);
      return PyDict.of({ status: 'Deposit successful', new_balance: getItem(this.account_info, 'balance') });
    }
    if (pyEq(xact_type, 'withdrawal')) {
      if (pyCompare('>', amount, getItem(this.account_info, 'balance'))) {
        return PyDict.of({ error: 'Insufficient funds for withdrawal.' });
      }
      this.addToBalance('-=', amount);
      this.recordTransaction('withdrawal', amount);
      return PyDict.of({ status: 'Withdrawal successful', new_balance: getItem(this.account_info, 'balance') });
    }
    return PyDict.of({ error: "Invalid transaction type. Use 'deposit' or 'withdrawal'." });
  }

  /** `self.account_info["balance"] += amount` (or `-=`). */
  private addToBalance(op: '+=' | '-=', amount: PyValue): void {
    const balance = getItem(this.account_info, 'balance');
    setItem(this.account_info, 'balance', augmented(op, op === '+=' ? pyAdd : pySub, balance, amount));
  }

  private recordTransaction(type: string, amount: PyValue): void {
    const history = asList(this.transaction_history, 'append');
    history.push(PyDict.of({ type, amount, timestamp: this.transactionTimestamp() }));
  }

  get_account_info(): PyValue {
    if (!pyTruthy(this.authenticated)) {
      return PyDict.of({ error: 'User not authenticated. Please log in to view account information.' });
    }
    return this.account_info;
  }

  trading_login(username: PyValue, password: PyValue): PyValue {
    void username;
    void password; // the original accepts any credentials
    if (pyTruthy(this.authenticated)) return PyDict.of({ status: 'Already logged in' });
    this.authenticated = true;
    return PyDict.of({ status: 'Logged in successfully' });
  }

  trading_get_login_status(): PyValue {
    return PyDict.of({ status: pyTruthy(this.authenticated) });
  }

  trading_logout(): PyValue {
    if (!pyTruthy(this.authenticated)) return PyDict.of({ status: 'No user is currently logged in' });
    this.authenticated = false;
    return PyDict.of({ status: 'Logged out successfully' });
  }

  fund_account(amount: PyValue): PyValue {
    if (!pyTruthy(this.authenticated)) {
      return PyDict.of({ error: 'User not authenticated. Please log in to fund the account.' });
    }
    if (pyCompare('<=', amount, 0n)) return PyDict.of({ error: 'Funding amount must be positive.' });
    this.addToBalance('+=', amount);
    this.recordTransaction('deposit', amount);
    return PyDict.of({ status: 'Account funded successfully', new_balance: getItem(this.account_info, 'balance') });
  }

  remove_stock_from_watchlist(symbol: PyValue): PyValue {
    if (!pyTruthy(this.authenticated)) {
      return PyDict.of({ error: 'User not authenticated. Please log in to modify the watchlist.' });
    }
    if (!pyIn(symbol, this.watch_list)) return PyDict.of({ error: `Stock ${pyStr(symbol)} not found in watchlist.` });
    listRemove(asList(this.watch_list, 'remove'), symbol);
    return PyDict.of({ status: `Stock ${pyStr(symbol)} removed from watchlist successfully.` });
  }

  get_watchlist(): PyValue {
    if (!pyTruthy(this.authenticated)) {
      return ['Error: User not authenticated. Please log in to view the watchlist.'];
    }
    if (this.long_context) return [...asList(this.watch_list, 'copy'), ...WATCH_LIST_EXTENSION];
    return PyDict.of({ watchlist: this.watch_list });
  }

  get_order_history(): PyValue {
    if (!pyTruthy(this.authenticated)) {
      return [PyDict.of({ error: 'User not authenticated. Please log in to view order history.' })];
    }
    return PyDict.of({ history: asDict(this.orders, 'keys').keys() });
  }

  get_transaction_history(start_date: PyValue, end_date: PyValue): PyValue {
    if (!pyTruthy(this.authenticated)) {
      return [PyDict.of({ error: 'User not authenticated. Please log in to view transaction history.' })];
    }
    const start = pyTruthy(start_date) ? sortKey(strptime(start_date, '%Y-%m-%d')) : DATETIME_MIN_KEY;
    const end = pyTruthy(end_date) ? sortKey(strptime(end_date, '%Y-%m-%d')) : DATETIME_MAX_KEY;
    const filtered = pyIter(this.transaction_history).filter((transaction) => {
      const at = sortKey(strptime(getItem(transaction, 'timestamp'), '%Y-%m-%d %H:%M:%S'));
      return start <= at && at <= end;
    });
    if (this.long_context) filtered.push(...TRANSACTION_HISTORY_EXTENSION);
    return PyDict.of({ transaction_history: filtered });
  }

  update_stock_price(symbol: PyValue, new_price: PyValue): PyValue {
    if (!pyIn(symbol, this.stocks)) return PyDict.of({ error: `Stock with symbol '${pyStr(symbol)}' not found.` });
    if (pyCompare('<=', new_price, 0n)) return PyDict.of({ error: 'New price must be a positive value.' });
    const info = getItem(this.stocks, symbol);
    const old_price = getItem(info, 'price');
    setItem(info, 'price', new_price);
    setItem(info, 'percent_change', pyMul(pyTrueDiv(pySub(new_price, old_price), old_price), 100n));
    return PyDict.of({ symbol, old_price, new_price });
  }

  get_available_stocks(sector: PyValue): PyValue {
    const sectors = PyDict.of({ Technology: ['AAPL', 'GOOG', 'MSFT', 'NVDA'], Automobile: ['TSLA', 'F', 'GM'] });
    if (this.long_context) {
      (sectors.getItem('Technology') as PyValue[]).push(...TECHNOLOGY_EXTENSION);
      (sectors.getItem('Automobile') as PyValue[]).push(...AUTOMOBILE_EXTENSION);
    }
    return PyDict.of({ stock_list: sectors.get(sector) ?? [] });
  }

  filter_stocks_by_price(stocks: PyValue, min_price: PyValue, max_price: PyValue): PyValue {
    const table = asDict(this.stocks, 'get');
    const priceOf = (symbol: PyValue): PyValue => dictGet(table.get(symbol) ?? new PyDict(), 'price', 0n);
    const filtered = pyIter(stocks).filter(
      (symbol) => pyCompare('>=', priceOf(symbol), min_price) && pyCompare('<=', priceOf(symbol), max_price),
    );
    return PyDict.of({ filtered_stocks: filtered });
  }

  add_to_watchlist(stock: PyValue): PyValue {
    if (!pyIn(stock, this.watch_list)) {
      // Only symbols of the stock table are added.
      if (pyIn(stock, this.stocks)) asList(this.watch_list, 'append').push(stock);
    }
    return PyDict.of({ symbol: this.watch_list });
  }

  notify_price_change(stocks: PyValue, threshold: PyValue): PyValue {
    const changed = pyIter(stocks).filter(
      (symbol) =>
        pyIn(symbol, this.stocks) &&
        pyCompare('>=', pyAbs(getItem(getItem(this.stocks, symbol), 'percent_change')), threshold),
    );
    if (changed.length > 0) {
      return PyDict.of({ notification: `Stocks ${joinStrings(', ', changed)} have significant price changes.` });
    }
    return PyDict.of({ notification: 'No significant price changes in the selected stocks.' });
  }
}

export const TradingBotClass = defineApiClass({
  className: 'TradingBot',
  create: () => new TradingBot(),
  prototype: TradingBot.prototype,
  methods: {
    add_to_watchlist: sig('stock'),
    cancel_order: sig('order_id'),
    filter_stocks_by_price: sig('stocks', 'min_price', 'max_price'),
    fund_account: sig('amount'),
    get_account_info: sig(),
    get_available_stocks: sig('sector'),
    get_current_time: sig(),
    get_order_details: sig('order_id'),
    get_order_history: sig(),
    get_stock_info: sig('symbol'),
    get_symbol_by_name: sig('name'),
    get_transaction_history: sig(['start_date', null], ['end_date', null]),
    get_watchlist: sig(),
    make_transaction: sig('account_id', 'xact_type', 'amount'),
    notify_price_change: sig('stocks', 'threshold'),
    place_order: sig('order_type', 'symbol', 'price', 'amount'),
    remove_stock_from_watchlist: sig('symbol'),
    trading_get_login_status: sig(),
    trading_login: sig('username', 'password'),
    trading_logout: sig(),
    update_market_status: sig('current_time_str'),
    update_stock_price: sig('symbol', 'new_price'),
  },
});

/** `str.isdigit()` for the ASCII digits that JSON keys and dates use. */
function isDigits(s: string): boolean {
  return /^[0-9]+$/.test(s);
}

/** `v.copy()` of a dict value (a shallow copy, as dict.copy). */
function callCopy(v: PyValue): PyDict {
  return asDict(v, 'copy').copy();
}

/** `d.get(key, fallback)` on a value that must be a dict. */
function dictGet(d: PyValue, key: PyValue, fallback: PyValue): PyValue {
  return asDict(d, 'get').get(key) ?? fallback;
}
