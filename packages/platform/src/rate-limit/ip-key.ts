import ipaddr from 'ipaddr.js';

/**
 * How much of an IPv6 address names one client: a /64 is the smallest block a subscriber or a
 * cloud instance gets (RFC 6177), and one host may use any of its 2^64 addresses.
 */
const IPV6_CLIENT_PREFIX_HEXTETS = 4;

/**
 * The key a per-IP rate limit counts under: an IPv4 address as itself, an IPv6 address as its
 * /64 network (`2001:db8:1:2::/64`), an IPv4-mapped IPv6 address (`::ffff:203.0.113.9`, as a
 * dual-stack socket reports IPv4 clients) as its IPv4 address. Without this, a client with a /64
 * would get a fresh budget for each of its addresses. Anything that is not an IP address (it
 * should not happen: the server derives the address) is its own key.
 */
export function ipRateLimitKey(ip: string): string {
  const text = ip.trim();
  if (!ipaddr.isValid(text)) return ip;
  const address = ipaddr.process(text);
  if (address.kind() === 'ipv4') return address.toString();
  const parts = (address as ipaddr.IPv6).parts.slice(0, IPV6_CLIENT_PREFIX_HEXTETS);
  const network = new ipaddr.IPv6([...parts, 0, 0, 0, 0]);
  return `${network.toRFC5952String()}/64`;
}
