export { type DevMail, devMails, invitationCode, verificationCode } from './dev-mailbox.js';
export {
  type EmbeddedApi,
  type EmbeddedApiOptions,
  freePort,
  startEmbeddedApi,
} from './embedded-api.js';
export { adminClient, publishEvent, signUp, signUpOrganizer } from './fixtures.js';
export { type ExampleRun, runExample } from './run-example.js';
export { type StripeStub, type StubbedIntent, startStripeStub } from './stripe-stub.js';
