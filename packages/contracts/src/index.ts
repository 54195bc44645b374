export * from './app-codes.js';
export * from './auth.js';
export * from './bookings.js';
export * from './events/domain-events.js';
export * from './events.js';
export * from './pagination.js';
export * from './primitives.js';
export * from './roles.js';
