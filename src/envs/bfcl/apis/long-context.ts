import { readBfclData } from '../data-dir.js';
import { jsonLoads } from '../python/json.js';
import { Ellipsis, PyDict, type PyValue } from '../python/value.js';

/**
 * Port of long_context.py: the filler data the long_context category appends to states and results.
 *
 * The values live in data/bfcl/long_context.json (dumped from the Python module with json.dumps, so ints and floats
 * keep their types through jsonLoads). Python keeps one module object per process, and vehicle_control.py writes
 * into LONG_WEATHER_EXTENSION. These exports are the values at start-up, only read by the classes: the objects the
 * classes mutate are copied into a `ProcessState` (process-state.ts), one per process or per isolated episode.
 */
const data = jsonLoads(readBfclData('long_context.json'));
if (!(data instanceof PyDict)) throw new Error('data/bfcl/long_context.json: expected an object');

function get(name: string): PyValue {
  const v = data instanceof PyDict ? data.get(name) : undefined;
  if (v === undefined) throw new Error(`data/bfcl/long_context.json: missing ${name}`);
  return v;
}

function list(name: string): PyValue[] {
  const v = get(name);
  if (!Array.isArray(v)) throw new Error(`long_context ${name}: expected a list`);
  return v;
}

function dict(name: string): PyDict {
  const v = get(name);
  if (!(v instanceof PyDict)) throw new Error(`long_context ${name}: expected a dict`);
  return v;
}

function text(name: string): string {
  const v = get(name);
  if (typeof v !== 'string') throw new Error(`long_context ${name}: expected a str`);
  return v;
}

/** The Python list ends with a literal `...` (Ellipsis), which JSON cannot hold; it is appended here. */
export const WATCH_LIST_EXTENSION: PyValue[] = [...list('WATCH_LIST_EXTENSION'), Ellipsis];
export const TRANSACTION_HISTORY_EXTENSION: PyValue[] = list('TRANSACTION_HISTORY_EXTENSION');
export const MA_5_EXTENSION: PyValue[] = list('MA_5_EXTENSION');
export const MA_20_EXTENSION: PyValue[] = list('MA_20_EXTENSION');
export const TECHNOLOGY_EXTENSION: PyValue[] = list('TECHNOLOGY_EXTENSION');
export const AUTOMOBILE_EXTENSION: PyValue[] = list('AUTOMOBILE_EXTENSION');
export const ORDER_DETAIL_EXTENSION: PyDict = dict('ORDER_DETAIL_EXTENSION');
export const CREDIT_CARD_EXTENSION: PyDict = dict('CREDIT_CARD_EXTENSION');
export const BOOKING_RECORD_EXTENSION: PyDict = dict('BOOKING_RECORD_EXTENSION');
export const LONG_WEATHER_EXTENSION: PyDict = dict('LONG_WEATHER_EXTENSION');
export const INTERMEDIARY_CITIES: PyValue[] = list('INTERMEDIARY_CITIES');
export const CAR_STATUS_METADATA_EXTENSION: string = text('CAR_STATUS_METADATA_EXTENSION');
export const PARKING_BRAKE_INSTRUCTION: string = text('PARKING_BRAKE_INSTRUCTION');
export const FILE_CONTENT_EXTENSION: string = text('FILE_CONTENT_EXTENSION');
export const FILES_TAIL_USED: PyValue[] = list('FILES_TAIL_USED');
export const POPULATE_FILE_EXTENSION: PyValue[] = list('POPULATE_FILE_EXTENSION');
