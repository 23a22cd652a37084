import { lookup } from 'node:dns';
import { BlockList, connect, isIP, Socket } from 'node:net';
import { buildConnector } from 'undici';

/**
 * `delivery.deny_private`: deliveries may not reach loopback, private,
 * link-local or other non-public addresses. The check runs on the addresses a
 * name resolves to, at connect time, so a public name that resolves to
 * 127.0.0.1 (a DNS rebinding trick) is refused like the literal address.
 */
const nonPublic = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  nonPublic.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  nonPublic.addSubnet(network, prefix, 'ipv6');
}

export const PRIVATE_ADDRESS_ERROR = 'RELAY_ERR_PRIVATE_ADDRESS';

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return nonPublic.check(address, 'ipv4');
  if (family !== 6) return false;
  // An IPv4 address written as IPv6 (::ffff:127.0.0.1) is judged as IPv4.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return nonPublic.check(mapped[1]!, 'ipv4');
  return nonPublic.check(address, 'ipv6');
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
