import { describe, expect, it } from 'vitest';
import { ipRateLimitKey } from './ip-key.js';

describe('ipRateLimitKey', () => {
  it('keys an IPv4 address as itself', () => {
    expect(ipRateLimitKey('203.0.113.9')).toBe('203.0.113.9');
    expect(ipRateLimitKey('10.0.0.1')).not.toBe(ipRateLimitKey('10.0.0.2'));
  });

  it('keys every address of one IPv6 /64 alike, whatever its spelling', () => {
    const keys = [
      '2001:db8:1:2::1',
      '2001:db8:1:2::ffff',
      '2001:0DB8:0001:0002:ffff:ffff:ffff:ffff',
      '2001:db8:1:2:abcd:0:0:1',
      '2001:db8:1:2::',
    ].map(ipRateLimitKey);
    expect(new Set(keys)).toEqual(new Set(['2001:db8:1:2::/64']));
  });

  it('keys neighbouring /64s apart', () => {
    expect(ipRateLimitKey('2001:db8:1:2::1')).not.toBe(ipRateLimitKey('2001:db8:1:3::1'));
    expect(ipRateLimitKey('2001:db8:1:2::1')).not.toBe(ipRateLimitKey('2001:db9:1:2::1'));
  });

  it('keys an IPv4-mapped IPv6 address as its IPv4 address', () => {
    expect(ipRateLimitKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(ipRateLimitKey('::ffff:cb00:7109')).toBe('203.0.113.9');
    expect(ipRateLimitKey('0:0:0:0:0:ffff:203.0.113.9')).toBe('203.0.113.9');
    // ...so it does not share a budget with the whole ::ffff:0:0/96 block.
    expect(ipRateLimitKey('::ffff:203.0.113.10')).not.toBe(ipRateLimitKey('::ffff:203.0.113.9'));
  });

  it('drops a zone id and keys loopback like any address', () => {
    expect(ipRateLimitKey('fe80::1%eth0')).toBe('fe80::/64');
    expect(ipRateLimitKey('::1')).toBe('::/64');
    expect(ipRateLimitKey('127.0.0.1')).toBe('127.0.0.1');
  });

  it('keeps what is not an IP address as its own key', () => {
    expect(ipRateLimitKey('not-an-ip')).toBe('not-an-ip');
  });
});
