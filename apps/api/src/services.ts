import type { SystemService } from './modules/system/system.service.js';

/** The services procedures reach through the context; each module adds its own. */
export interface Services {
  system: SystemService;
}
