/**
 * What REDIS_URL names: one server (`redis://`, `rediss://`, handed to ioredis as is) or a Redis
 * Cluster (`redis+cluster://[user:password@]host:port,host:port`, its seed nodes; ioredis
 * discovers the rest). WHATWG URLs cannot hold several hosts, so the cluster form is parsed here.
 */
export type RedisTarget =
  | { kind: 'server'; url: string }
  | {
      kind: 'cluster';
      nodes: { host: string; port: number }[];
      username?: string;
      password?: string;
    };

const CLUSTER_SCHEME = 'redis+cluster://';

export function parseRedisTarget(url: string): RedisTarget {
  if (!url.startsWith(CLUSTER_SCHEME)) {
    const protocol = new URL(url).protocol;
    if (protocol !== 'redis:' && protocol !== 'rediss:') {
      throw new Error(`unsupported Redis URL scheme ${protocol}`);
    }
    return { kind: 'server', url };
  }
  const rest = url.slice(CLUSTER_SCHEME.length).replace(/\/$/, '');
  const at = rest.lastIndexOf('@');
  const hosts = rest.slice(at + 1);
  const target: RedisTarget = { kind: 'cluster', nodes: hosts.split(',').map(parseNode) };
  if (at >= 0) {
    const auth = rest.slice(0, at);
    const colon = auth.indexOf(':');
    const username = decodeURIComponent(colon < 0 ? auth : auth.slice(0, colon));
    if (username) target.username = username;
    if (colon >= 0) target.password = decodeURIComponent(auth.slice(colon + 1));
  }
  return target;
}

function parseNode(node: string): { host: string; port: number } {
  const match = /^([^:/?#\s]+|\[[0-9a-fA-F:.]+\]):(\d{1,5})$/.exec(node.trim());
  const port = Number(match?.[2]);
  if (!match?.[1] || port < 1 || port > 65_535) {
    throw new Error('cluster nodes must be host:port, separated by commas');
  }
  return { host: match[1].replace(/^\[(.*)\]$/, '$1'), port };
}

/** True when `url` names a Redis Cluster: keys used together then need one hash tag. */
export function isClusterUrl(url: string): boolean {
  return url.startsWith(CLUSTER_SCHEME);
}
