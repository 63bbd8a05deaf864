/**
 * OpenAI's `stop` strings, applied after sampling (the sampler stops on token ids only): the answer keeps the
 * tokens up to the one that completes the first stop string, and its text ends just before that string.
 */
export interface StopCut {
  /** How many sampled tokens to keep: the last one completes the stop string. */
  keep: number;
  /** The kept tokens' text cut before the stop string. */
  text: string;
}

export function cutAtStopString(tokens: Int32Array, decode: (ids: Int32Array) => string, stops: readonly string[]): StopCut | null {
  if (stops.length === 0 || firstStop(decode(tokens), stops) === null) return null;
  // A prefix's text contains a stop string from some length on: find the shortest such prefix.
  let lo = 1;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (firstStop(decode(tokens.subarray(0, mid)), stops) !== null) hi = mid;
    else lo = mid + 1;
  }
  const text = decode(tokens.subarray(0, lo));
  return { keep: lo, text: text.slice(0, firstStop(text, stops)!) };
}

/** Where the earliest stop string starts in `text`, or null. */
export function firstStop(text: string, stops: readonly string[]): number | null {
  let best: number | null = null;
  for (const s of stops) {
    const at = text.indexOf(s);
    if (at >= 0 && (best === null || at < best)) best = at;
  }
  return best;
}
