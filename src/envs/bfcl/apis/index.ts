import type { ApiClass } from './contract.js';
import { TicketApiClass } from './ticket-api.js';

/**
 * Registry of the ported API classes: Python class name (as in entries' `involved_classes`) → class.
 * Each class file exports one `ApiClass` built with `defineApiClass`; add it here.
 */
export const API_CLASSES: ReadonlyMap<string, ApiClass> = new Map(
  [TicketApiClass].map((c) => [c.className, c] as const),
);

export * from './contract.js';
