export type Mode = 'embedded' | 'production';

export interface ServiceInfo {
  name: string;
  version: string;
  mode: Mode;
  uptimeSeconds: number;
  startedAt: string;
}

export interface SystemService {
  info(): ServiceInfo;
}

export function createSystemService(deps: {
  name: string;
  version: string;
  mode: Mode;
  now: () => Date;
}): SystemService {
  const startedAt = deps.now();
  return {
    info() {
      return {
        name: deps.name,
        version: deps.version,
        mode: deps.mode,
        uptimeSeconds: Math.floor((deps.now().getTime() - startedAt.getTime()) / 1000),
        startedAt: startedAt.toISOString(),
      };
    },
  };
}
