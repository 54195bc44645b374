export * from './events/domain-events.js';
