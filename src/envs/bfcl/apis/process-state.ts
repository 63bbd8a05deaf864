import { PyDict, deepCopy, type PyValue } from '../python/value.js';
import { BOOKING_RECORD_EXTENSION, CREDIT_CARD_EXTENSION, LONG_WEATHER_EXTENSION } from './long-context.js';

/**
 * The objects the original keeps once per Python process and that its classes mutate, so that one entry's calls
 * can change what a later entry sees:
 * - post_tweet's default `tags=[]` and `mentions=[]` lists (a tweet posted without them stores the default list
 *   itself, and `mention` extends it),
 * - long_context.py's LONG_WEATHER_EXTENSION (vehicle_control writes the temperature into it and returns it),
 * - the cards of CREDIT_CARD_EXTENSION and the records of BOOKING_RECORD_EXTENSION (TravelAPI puts these very dicts
 *   into its state in long-context mode, and bookings change a card's balance).
 * The other long_context.py objects are only read (copied into results or new lists) and stay module constants.
 *
 * `PROCESS_STATE` is the one process-wide state, shared as in one Python process (what `bfcl replay` and the
 * goldens reproduce). An episode that must not see or leave traces of other episodes runs on `ProcessState.fresh()`
 * (the state of a new Python process); `snapshot()` copies the state as it is now (to compute something on the
 * side without changing what later entries see).
 */
export class ProcessState {
  private constructor(
    readonly postTweetTags: PyValue[],
    readonly postTweetMentions: PyValue[],
    readonly longWeatherExtension: PyDict,
    readonly creditCardExtension: PyDict,
    readonly bookingRecordExtension: PyDict,
  ) {}

  /** The state of a freshly started Python process: copies of the values long_context.py and posting_api.py define. */
  static fresh(): ProcessState {
    return new ProcessState(
      [],
      [],
      deepCopy(LONG_WEATHER_EXTENSION),
      deepCopy(CREDIT_CARD_EXTENSION),
      deepCopy(BOOKING_RECORD_EXTENSION),
    );
  }

  /** Copies of the current values; neither state sees the other's later changes. */
  snapshot(): ProcessState {
    return new ProcessState(
      deepCopy(this.postTweetTags),
      deepCopy(this.postTweetMentions),
      deepCopy(this.longWeatherExtension),
      deepCopy(this.creditCardExtension),
      deepCopy(this.bookingRecordExtension),
    );
  }
}

/** The process-wide state: every session whose context names no other one shares it, as in one Python process. */
export const PROCESS_STATE = ProcessState.fresh();

/** The state a context names, or the process-wide one. */
export function processStateOf(context: { readonly process?: ProcessState }): ProcessState {
  return context.process ?? PROCESS_STATE;
}
