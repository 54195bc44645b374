import { describe, expect, it } from 'vitest';
import { platformEnvShape } from '../config/platform-env.js';
import { parseRedisTarget } from './redis-target.js';

describe('parseRedisTarget', () => {
  it('hands a one-server URL to ioredis as it is', () => {
    expect(parseRedisTarget('redis://:secret@h:6379/2')).toEqual({
      kind: 'server',
      url: 'redis://:secret@h:6379/2',
    });
    expect(parseRedisTarget('rediss://h:6380').kind).toBe('server');
  });

  it('reads a cluster URL: its seed nodes and credentials', () => {
    expect(
      parseRedisTarget('redis+cluster://u:p%40ss@10.0.0.1:7000,redis-b:7001,[::1]:7002/'),
    ).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'redis-b', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      username: 'u',
      password: 'p@ss',
    });
    expect(parseRedisTarget('redis+cluster://:pw@h:1')).toEqual({
      kind: 'cluster',
      nodes: [{ host: 'h', port: 1 }],
      password: 'pw',
    });
  });

  it('reads a sentinel URL: the sentinels, the master name and its credentials', () => {
    expect(parseRedisTarget('redis+sentinel://:pw@s1:26379,s2:26380/my-master')).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
      ],
      name: 'my-master',
      password: 'pw',
    });
  });

  it('refuses what is none of them', () => {
    for (const url of [
      'http://h:6379',
      'h:6379',
      'redis+cluster://',
      'redis+cluster://h',
      'redis+cluster://h:1,',
      'redis+cluster://h:70000',
      'redis+sentinel://s:26379',
      'redis+sentinel://s:26379/',
      'redis+sentinel://s/m',
    ]) {
      expect(() => parseRedisTarget(url), url).toThrow();
    }
  });

  it('is what REDIS_URL accepts', () => {
    const field = platformEnvShape.REDIS_URL;
    expect(field.safeParse('redis+cluster://a:1,b:2').success).toBe(true);
    expect(field.safeParse('redis://a:1').success).toBe(true);
    expect(field.safeParse('redis+sentinel://a:1/m').success).toBe(true);
    expect(field.safeParse('redis+cluster://a').success).toBe(false);
  });
});
