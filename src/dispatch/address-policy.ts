import { lookup } from 'node:dns';
import { BlockList, connect, isIP, Socket } from 'node:net';
import ipaddr from 'ipaddr.js';
import { buildConnector } from 'undici';

/**
 * `delivery.deny_private`: deliveries may not reach loopback, private,
 * link-local or other non-public addresses. The check runs on the addresses a
 * name resolves to, at connect time, so a public name that resolves to
 * 127.0.0.1 (a DNS rebinding trick) is refused like the literal address.
 *
 * ipaddr.js names IANA's special-purpose ranges of both families (its table
 * is kept up to date, ours would not be). An IPv4 address is public when it is
 * in none; an IPv6 one must also lie in 2000::/3, the only space allocated for
 * global unicast, so an unallocated or future special range is refused too.
 */
const GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');
/** RFC 8215's local-use NAT64 prefix is not globally reachable, whatever it embeds. */
const LOCAL_NAT64 = ipaddr.parseCIDR('64:ff9b:1::/48');
const WELL_KNOWN_NAT64 = ipaddr.parseCIDR('64:ff9b::/96');

export const PRIVATE_ADDRESS_ERROR = 'RELAY_ERR_PRIVATE_ADDRESS';

/** Whether an IP address is non-public; the one judge for delivery and for `relay check`. */
export function isPrivateAddress(address: string): boolean {
  if (isIP(address) === 0) return false;
  try {
    return !isPublic(ipaddr.parse(address));
  } catch {
    // node:net takes it for an address and ipaddr.js cannot read it: refuse rather than guess.
    return true;
  }
}

function isPublic(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (address instanceof ipaddr.IPv4) return address.range() === 'unicast';
  if (address.match(LOCAL_NAT64)) return false;
  const embedded = embeddedIPv4(address);
  if (embedded) return embedded.every(isPublic);
  return address.range() === 'unicast' && address.match(GLOBAL_UNICAST);
}

/**
 * The IPv4 addresses an IPv6 address carries to, where packets sent to it end
 * at them: through a NAT64 gateway, a 6to4 or Teredo relay, or a dual-stack
 * host. `64:ff9b::7f00:1` reaches 127.0.0.1 on a network with NAT64, so it is
 * as public as 127.0.0.1.
 */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4[] | undefined {
  const p = address.parts as [number, number, number, number, number, number, number, number];
  const v4 = (high: number, low: number) => new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  const zeros = (upTo: number) => p.slice(0, upTo).every((part) => part === 0);
  // IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d (also :: and ::1), SIIT's ::ffff:0:a.b.c.d.
  if (zeros(5) && (p[5] === 0xffff || p[5] === 0)) return [v4(p[6], p[7])];
  if (zeros(4) && p[4] === 0xffff && p[5] === 0) return [v4(p[6], p[7])];
  if (address.match(WELL_KNOWN_NAT64)) return [v4(p[6], p[7])];
  const range = address.range();
  if (range === '6to4') return [v4(p[1], p[2])];
  // Teredo: the relay server's address, then the client's, stored inverted.
  if (range === 'teredo') return [v4(p[2], p[3]), v4(~p[6] & 0xffff, ~p[7] & 0xffff)];
  return undefined;
}

function refused(host: string): Error {
  return Object.assign(new Error(`delivery.deny_private: ${host} is not a public address`), {
    code: PRIVATE_ADDRESS_ERROR,
  });
}

/** What `delivery.deny_private` and `delivery.allow_networks` say, for one lane's connections. */
export interface AddressPolicy {
  denyPrivate: boolean;
  allowNetworks: readonly string[];
}

/** A non-public address is refused unless it lies in one of the allowed networks. */
function refusedBy(allowed: BlockList): (address: string) => boolean {
  return (address) => {
    if (!isPrivateAddress(address)) return false;
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    return !allowed.check(address, family);
  };
}

function blockListOf(networks: readonly string[]): BlockList {
  const list = new BlockList();
  for (const network of networks) {
    const [address = '', prefix = ''] = network.split('/');
    list.addSubnet(address, Number(prefix), isIP(address) === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

type LookupCallback = (
  error: Error | null,
  address: string | { address: string; family: number }[],
  family?: number,
) => void;

/** dns.lookup, refusing the name when any address it resolves to is refused. */
function checkedLookup(isRefused: (address: string) => boolean) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    lookup(hostname, { all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      if (addresses.length === 0 || addresses.some((a) => isRefused(a.address))) {
        return callback(refused(hostname), []);
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/** An undici connector that refuses non-public targets outside the allowed networks, literal or resolved. */
export function publicOnlyConnector(allowNetworks: readonly string[]): buildConnector.connector {
  const isRefused = refusedBy(blockListOf(allowNetworks));
  const connect = buildConnector({ lookup: checkedLookup(isRefused) } as buildConnector.BuildOptions);
  return (options, callback) => {
    const host = options.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0 && isRefused(host)) {
      callback(refused(host), null);
      return;
    }
    connect(options, callback);
  };
}

/**
 * net.connect for targets that are not HTTP (an e-mail endpoint's SMTP
 * server), with the same refusal as `publicOnlyConnector`: the socket errors
 * with RELAY_ERR_PRIVATE_ADDRESS instead of connecting.
 */
export function publicOnlyTcp(allowNetworks: readonly string[]): (host: string, port: number) => Socket {
  const isRefused = refusedBy(blockListOf(allowNetworks));
  const lookup = checkedLookup(isRefused);
  return (host, port) => {
    if (isIP(host) !== 0 && isRefused(host)) {
      const socket = new Socket();
      process.nextTick(() => socket.destroy(refused(host)));
      return socket;
    }
    return connect({ host, port, lookup });
  };
}
