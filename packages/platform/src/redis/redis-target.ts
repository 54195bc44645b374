/**
 * What REDIS_URL names: one server (`redis://`, `rediss://`, handed to ioredis as is), a Redis
 * Cluster (`redis+cluster://[user:password@]host:port,host:port`, its seed nodes; ioredis
 * discovers the rest) or a master watched by Sentinel
 * (`redis+sentinel://[user:password@]host:port,host:port/<master name>`, the sentinels; the
 * credentials are the master's). WHATWG URLs cannot hold several hosts, so these two forms are
 * parsed here.
 */
export type RedisTarget =
  | { kind: 'server'; url: string }
  | {
      kind: 'cluster';
      nodes: { host: string; port: number }[];
      username?: string;
      password?: string;
    }
  | {
      kind: 'sentinel';
      sentinels: { host: string; port: number }[];
      /** The master's name in the sentinels' configuration. */
      name: string;
      username?: string;
      password?: string;
    };

const CLUSTER_SCHEME = 'redis+cluster://';
const SENTINEL_SCHEME = 'redis+sentinel://';

export function parseRedisTarget(url: string): RedisTarget {
  if (url.startsWith(CLUSTER_SCHEME)) {
    const { nodes, auth } = parseHosts(url.slice(CLUSTER_SCHEME.length).replace(/\/$/, ''));
    return { kind: 'cluster', nodes, ...auth };
  }
  if (url.startsWith(SENTINEL_SCHEME)) {
    const rest = url.slice(SENTINEL_SCHEME.length);
    const slash = rest.indexOf('/');
    const name = slash < 0 ? '' : decodeURIComponent(rest.slice(slash + 1));
    if (!/^[\w.-]+$/.test(name)) throw new Error('a sentinel URL ends with /<master name>');
    const { nodes, auth } = parseHosts(rest.slice(0, slash));
    return { kind: 'sentinel', sentinels: nodes, name, ...auth };
  }
  const protocol = new URL(url).protocol;
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new Error(`unsupported Redis URL scheme ${protocol}`);
  }
  return { kind: 'server', url };
}

/** `[user:password@]host:port,host:port` */
function parseHosts(hostList: string): {
  nodes: { host: string; port: number }[];
  auth: { username?: string; password?: string };
} {
  const at = hostList.lastIndexOf('@');
  const nodes = hostList
    .slice(at + 1)
    .split(',')
    .map(parseNode);
  const auth: { username?: string; password?: string } = {};
  if (at >= 0) {
    const credentials = hostList.slice(0, at);
    const colon = credentials.indexOf(':');
    const username = decodeURIComponent(colon < 0 ? credentials : credentials.slice(0, colon));
    if (username) auth.username = username;
    if (colon >= 0) auth.password = decodeURIComponent(credentials.slice(colon + 1));
  }
  return { nodes, auth };
}

function parseNode(node: string): { host: string; port: number } {
  const match = /^([^:/?#\s]+|\[[0-9a-fA-F:.]+\]):(\d{1,5})$/.exec(node.trim());
  const port = Number(match?.[2]);
  if (!match?.[1] || port < 1 || port > 65_535) {
    throw new Error('nodes must be host:port, separated by commas');
  }
  return { host: match[1].replace(/^\[(.*)\]$/, '$1'), port };
}

/** True when `url` names a Redis Cluster: keys used together then need one hash tag. */
export function isClusterUrl(url: string): boolean {
  return url.startsWith(CLUSTER_SCHEME);
}
