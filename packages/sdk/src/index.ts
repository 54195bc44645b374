export { TRPCClientError } from '@trpc/client';
export {
  createEventlyClient,
  type EventlyClient,
  type EventlyClientOptions,
} from './create-client.js';
