import { describe, expect, it } from 'vitest';
import { isPrivateAddress } from '../../src/dispatch/address-policy.ts';
import { api } from '../admin/api.ts';
import { post, startTestRelay, testConfig } from '../helpers/relay.ts';
import { watchSettled } from '../helpers/settled.ts';
import { startTarget } from '../helpers/target.ts';

/** One address inside each non-public range, IANA's special-purpose registries of both families and more. */
const nonPublic: [string, string][] = [
  ['0.0.0.0/8 "this network"', '0.1.2.3'],
  ['10.0.0.0/8 private', '10.1.2.3'],
  ['100.64.0.0/10 shared (CGNAT)', '100.127.255.254'],
  ['127.0.0.0/8 loopback', '127.0.0.1'],
  ['169.254.0.0/16 link-local (cloud metadata)', '169.254.169.254'],
  ['172.16.0.0/12 private', '172.31.255.255'],
  ['192.0.0.0/24 IETF protocol assignments', '192.0.0.8'],
  ['192.0.2.0/24 TEST-NET-1', '192.0.2.1'],
  ['192.31.196.0/24 AS112', '192.31.196.1'],
  ['192.52.193.0/24 AMT', '192.52.193.1'],
  ['192.88.99.0/24 6to4 relay anycast', '192.88.99.1'],
  ['192.168.0.0/16 private', '192.168.1.1'],
  ['192.175.48.0/24 AS112 direct delegation', '192.175.48.1'],
  ['198.18.0.0/15 benchmarking', '198.19.255.1'],
  ['198.51.100.0/24 TEST-NET-2', '198.51.100.7'],
  ['203.0.113.0/24 TEST-NET-3', '203.0.113.9'],
  ['224.0.0.0/4 multicast', '239.255.255.250'],
  ['240.0.0.0/4 reserved', '250.1.2.3'],
  ['255.255.255.255 broadcast', '255.255.255.255'],
  [':: unspecified', '::'],
  ['::1 loopback', '::1'],
  ['::ffff:0:0/96 IPv4-mapped, private inside', '::ffff:127.0.0.1'],
  ['::ffff:0:0/96 IPv4-mapped, hex form', '::ffff:a00:1'],
  ['::/96 IPv4-compatible, private inside', '::127.0.0.1'],
  ['::ffff:0:0:0/96 IPv4-translated (SIIT), private inside', '::ffff:0:10.0.0.1'],
  ['64:ff9b::/96 NAT64, private inside', '64:ff9b::7f00:1'],
  ['64:ff9b::/96 NAT64, metadata inside', '64:ff9b::169.254.169.254'],
  ['64:ff9b:1::/48 local-use NAT64', '64:ff9b:1::808:808'],
  ['64:ff9b:1::/48 local-use NAT64, private inside', '64:ff9b:1::7f00:1'],
  ['100::/64 discard-only', '100::1'],
  ['100:0:0:1::/64 dummy prefix', '100:0:0:1::1'],
  ['2001::/32 Teredo, private client', '2001:0:4136:e378:8000:63bf:80ff:fffe'],
  ['2001::/32 Teredo, private server', '2001:0:a00:1:8000:63bf:f7f7:f7f7'],
  ['2001::/32 Teredo, RFC 4380 example (documentation client)', '2001:0:4136:e378:8000:63bf:3fff:fdd2'],
  ['2001::/23 IETF protocol assignments', '2001:1::1'],
  ['2001:2::/48 benchmarking', '2001:2::1'],
  ['2001:3::/32 AMT', '2001:3::1'],
  ['2001:4:112::/48 AS112-v6', '2001:4:112::1'],
  ['2001:10::/28 ORCHID', '2001:10::1'],
  ['2001:20::/28 ORCHIDv2', '2001:20::1'],
  ['2001:30::/28 drone remote ID', '2001:30::1'],
  ['2001:db8::/32 documentation', '2001:db8::1'],
  ['2002::/16 6to4, private inside', '2002:7f00:1::1'],
  ['2002::/16 6to4, private inside (other form)', '2002:c0a8:101::'],
  ['2620:4f:8000::/48 AS112 direct delegation', '2620:4f:8000::1'],
  ['3fff::/20 documentation', '3fff::1'],
  ['5f00::/16 segment routing', '5f00::1'],
  ['fc00::/7 unique local', 'fd00::5'],
  ['fe80::/10 link-local', 'fe80::1'],
  ['fec0::/10 site-local (deprecated)', 'fec0::1'],
  ['ff00::/8 multicast', 'ff02::1'],
  ['outside 2000::/3 (unallocated)', '4000::1'],
];

/** Public addresses, several just outside a range above or carrying a public IPv4. */
const publicAddresses: [string, string][] = [
  ['public IPv4', '93.184.216.34'],
  ['public IPv4', '8.8.8.8'],
  ['just past 172.16.0.0/12', '172.32.0.1'],
  ['just past 100.64.0.0/10', '100.128.0.1'],
  ['just past 198.18.0.0/15', '198.20.0.1'],
  ['public IPv6', '2606:4700::1111'],
  ['IPv4-mapped, public inside', '::ffff:8.8.8.8'],
  ['IPv4-compatible, public inside', '::8.8.8.8'],
  ['NAT64, public inside', '64:ff9b::808:808'],
  ['6to4, public inside', '2002:808:808::1'],
  ['Teredo, public server and client', '2001:0:4136:e378:8000:63bf:f7f7:f7f7'],
];

describe('isPrivateAddress', () => {
  it.each(nonPublic)('refuses %s: %s', (_range, address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(publicAddresses)('lets %s through: %s', (_what, address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });

  it('judges only IP addresses', () => {
    expect(isPrivateAddress('localhost')).toBe(false);
  });
});

describe('delivery.deny_private', () => {
  it('refuses loopback targets, by literal address (IPv4 or IPv4-mapped) and by a name that resolves to one, before connecting', async () => {
    const target = await startTarget();
    const port = new URL(target.url).port;
    const config = testConfig(`
delivery: { deny_private: true }
sources: { app: { type: { field: type } } }
endpoints:
  literal: { url: "http://127.0.0.1:${port}/literal", retry: { schedule: [], jitter: 0 } }
  named: { url: "http://localhost:${port}/named", retry: { schedule: [], jitter: 0 } }
  mapped: { url: "http://[::ffff:127.0.0.1]:${port}/mapped", retry: { schedule: [], jitter: 0 } }
routes: [{ from: [app], types: "*", to: [literal, named, mapped] }]
`);
    const relay = await startTestRelay(config);
    const outcomes = watchSettled();
    const id = ((await post(`${relay.ingestUrl}/in/app`, '{"type":"t"}')).json() as { id: string }).id;
    await outcomes.until(3, { eventId: id, settlement: { kind: 'dead' }, applied: true });
    const { deliveries } = (await api(relay.adminUrl, `/admin/events/${id}`)).json;
    expect(
      deliveries.map(({ endpoint, state, last_error }: Record<string, string>) => ({
        endpoint,
        state,
        last_error,
      })),
    ).toEqual([
      { endpoint: 'literal', state: 'dead', last_error: 'RELAY_ERR_PRIVATE_ADDRESS' },
      { endpoint: 'named', state: 'dead', last_error: 'RELAY_ERR_PRIVATE_ADDRESS' },
      { endpoint: 'mapped', state: 'dead', last_error: 'RELAY_ERR_PRIVATE_ADDRESS' },
    ]);
    expect(target.requests).toHaveLength(0);
  });

  it('still reaches the networks listed in allow_networks', async () => {
    const target = await startTarget();
    const port = new URL(target.url).port;
    const config = testConfig(`
delivery: { deny_private: true, allow_networks: [127.0.0.0/8, "::1/128"] }
sources: { app: { type: { field: type } } }
endpoints:
  literal: { url: "http://127.0.0.1:${port}/literal" }
  named: { url: "http://localhost:${port}/named" }
  other: { url: "http://10.255.255.1:${port}/other", retry: { schedule: [], jitter: 0 }, timeout: 1s }
routes: [{ from: [app], types: "*", to: [literal, named, other] }]
`);
    const relay = await startTestRelay(config);
    const outcomes = watchSettled();
    const id = ((await post(`${relay.ingestUrl}/in/app`, '{"type":"t"}')).json() as { id: string }).id;
    await target.waitFor(2);
    expect(target.requests.map((r) => r.path).sort()).toEqual(['/literal', '/named']);
    await outcomes.next({ eventId: id, endpoint: 'other', settlement: { kind: 'dead' }, applied: true });
    const { deliveries } = (await api(relay.adminUrl, `/admin/events/${id}`)).json;
    expect(deliveries.find((d: { endpoint: string }) => d.endpoint === 'other')).toMatchObject({
      state: 'dead',
      last_error: 'RELAY_ERR_PRIVATE_ADDRESS',
    });
  });
});
