import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAddressGuard, RefusedUrl, refusedAddress } from './webhook-address-guard.js';
import { postWebhook } from './webhook-transport.js';

describe('webhook address guard', () => {
  it('lets only public unicast addresses through', () => {
    const refused = {
      '127.0.0.1': 'loopback',
      '10.1.2.3': 'private',
      '172.16.0.1': 'private',
      '192.168.1.1': 'private',
      '169.254.169.254': 'cloud metadata',
      '169.254.10.1': 'linkLocal',
      '100.64.0.1': 'carrierGradeNat',
      '0.0.0.0': 'unspecified',
      '224.0.0.1': 'multicast',
      '255.255.255.255': 'broadcast',
      '::1': 'loopback',
      '::': 'unspecified',
      'fe80::1': 'linkLocal',
      'fc00::1': 'uniqueLocal',
      'fd00:ec2::254': 'cloud metadata',
      'ff02::1': 'multicast',
      '::ffff:127.0.0.1': 'loopback',
      '::ffff:169.254.169.254': 'cloud metadata',
      '64:ff9b::a00:1': 'rfc6052',
      '2002:a00:1::': '6to4',
    };
    for (const [address, range] of Object.entries(refused)) {
      expect(refusedAddress(address), address).toBe(`a ${range} address`);
    }
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) {
      expect(refusedAddress(address), address).toBeUndefined();
    }
  });

  it('resolves again at every attempt: a name rebound to loopback is refused', async () => {
    const answers = [[{ address: '8.8.8.8', family: 4 }], [{ address: '127.0.0.1', family: 4 }]];
    const guard = createAddressGuard({
      allowPrivateNetworks: false,
      resolve: async () => answers.shift() ?? [],
    });
    await expect(guard.target('https://rebinding.example/hook')).resolves.toMatchObject({
      address: '8.8.8.8',
    });
    await expect(guard.target('https://rebinding.example/hook')).rejects.toThrow(RefusedUrl);
  });

  it('refuses a name whose answers mix public and private addresses', async () => {
    const guard = createAddressGuard({
      allowPrivateNetworks: false,
      resolve: async () => [
        { address: '8.8.8.8', family: 4 },
        { address: '10.0.0.5', family: 4 },
      ],
    });
    await expect(guard.target('https://mixed.example/hook')).rejects.toThrow(
      'it resolves to 10.0.0.5, a private address',
    );
  });

  describe('the connection', () => {
    let url = '';
    const heard: string[] = [];
    const server = createServer((req, res) => {
      heard.push(`${req.headers.host} ${req.headers['webhook-id']}`);
      res.writeHead(202).end();
    });
    beforeAll(async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://pinned.invalid:${(server.address() as AddressInfo).port}/hook`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('goes to the address the guard checked, not to a second lookup', async () => {
      // `.invalid` never resolves: only the guard's answer can take the POST anywhere.
      const guard = createAddressGuard({
        allowPrivateNetworks: true,
        resolve: async () => [{ address: '127.0.0.1', family: 4 }],
      });
      const target = await guard.target(url);
      const outcome = await postWebhook(
        target,
        { headers: { 'webhook-id': 'msg_1' }, body: '{}' },
        5_000,
      );
      expect(outcome).toEqual({ statusCode: 202 });
      expect(heard).toEqual([`${new URL(url).host} msg_1`]);
    });

    it('gives up after its timeout', async () => {
      const silent = createServer(() => {});
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      try {
        const port = (silent.address() as AddressInfo).port;
        const guard = createAddressGuard({ allowPrivateNetworks: true });
        const target = await guard.target(`http://127.0.0.1:${port}/`);
        const outcome = await postWebhook(target, { headers: {}, body: '{}' }, 300);
        expect(outcome).toEqual({ error: 'no answer within 0.3 s' });
      } finally {
        silent.closeAllConnections();
        await new Promise<void>((resolve) => silent.close(() => resolve()));
      }
    });
  });
});
