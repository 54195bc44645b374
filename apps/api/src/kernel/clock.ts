/**
 * Time comes from one injected clock, so expiry, windows and ordering are tested by moving it
 * instead of sleeping.
 */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
