import type { ApiClass } from './contract.js';
import { GorillaFileSystemClass } from './gorilla-file-system.js';
import { MathApiClass } from './math-api.js';
import { MessageApiClass } from './message-api.js';
import { TwitterApiClass } from './posting-api.js';
import { TicketApiClass } from './ticket-api.js';
import { TradingBotClass } from './trading-bot.js';
import { TravelApiClass } from './travel-booking.js';
import { VehicleControlApiClass } from './vehicle-control.js';

/**
 * Registry of the ported API classes: Python class name (as in entries' `involved_classes`) → class.
 * Each class file exports one `ApiClass` built with `defineApiClass`; add it here.
 */
export const API_CLASSES: ReadonlyMap<string, ApiClass> = new Map(
  [
    GorillaFileSystemClass,
    MathApiClass,
    MessageApiClass,
    TwitterApiClass,
    TicketApiClass,
    TradingBotClass,
    TravelApiClass,
    VehicleControlApiClass,
  ].map((c) => [c.className, c] as const),
);

export * from './contract.js';
