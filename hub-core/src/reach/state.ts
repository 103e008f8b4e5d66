// Pure rules of reachability: which addresses are public, what the router's answers mean, the
// sentence the musician reads, the ports to forward by hand, and the description every mapping
// carries (how a hub recognises its own mappings after a crash).
import { isIPv4 } from 'node:net';
import type { ForwardRule, MappedPort, ReachState, ReachStatus } from '../../../protocol/api.js';

const toInt = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const inNet = (a: string, net: string, bits: number) =>
  Math.floor(toInt(a) / 2 ** (32 - bits)) === Math.floor(toInt(net) / 2 ** (32 - bits));

/** RFC 6598 shared address space: what an ISP's carrier-grade NAT hands a home router. */
export const isCarrierNat = (a: string) => isIPv4(a) && inNet(a, '100.64.0.0', 10);

/** RFC 1918 private ranges: behind another router. */
export const isPrivateIPv4 = (a: string) =>
  isIPv4(a) &&
  (inNet(a, '10.0.0.0', 8) || inNet(a, '172.16.0.0', 12) || inNet(a, '192.168.0.0', 16));

/** Ranges no friend on the internet can send to, besides private and carrier NAT ones. */
const NOT_GLOBAL: [string, number][] = [
  ['0.0.0.0', 8],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 3], // multicast and reserved, up to 255.255.255.255
];

/** An IPv4 address friends on the internet can reach. */
export const isPublicIPv4 = (a: string) =>
  isIPv4(a) &&
  !isPrivateIPv4(a) &&
  !isCarrierNat(a) &&
  !NOT_GLOBAL.some(([net, bits]) => inNet(a, net, bits));

/** The machine's own public IPv4 address, when one of its interfaces has one. */
export function ownPublicAddress(
  ifaces: NodeJS.Dict<{ address: string; family: string | number; internal: boolean }[]>,
): string | undefined {
  for (const list of Object.values(ifaces))
    for (const i of list ?? [])
      if (!i.internal && (i.family === 'IPv4' || i.family === 4) && isPublicIPv4(i.address))
        return i.address;
  return undefined;
}

/**
 * Did a request come from this machine or its own LAN (not through the router)? Such a client
 * uses the hub's own ports; one from outside came through the router's external ports.
 */
export function isLocalClient(
  ip: string,
  ifaces: NodeJS.Dict<{ address: string; family: string | number; cidr: string | null }[]>,
): boolean {
  const a = ip.replace(/^::ffff:/, '');
  if (!isIPv4(a)) return ip === '::1';
  if (inNet(a, '127.0.0.0', 8)) return true;
  for (const list of Object.values(ifaces))
    for (const i of list ?? []) {
      const m = /^([\d.]+)\/(\d+)$/.exec(i.cidr ?? '');
      if (m && isIPv4(m[1]!) && inNet(a, m[1]!, Number(m[2]))) return true;
    }
  return false;
}

/** What the router told us, before anything is mapped. */
export interface RouterView {
  /** Its external address; undefined when it gave none. */
  externalAddress: string | undefined;
  /** UPnP's connection status; NAT-PMP has none (undefined). */
  connected: boolean | undefined;
}

/**
 * The state a router's answer leads to, before mapping: `mapped` means "go ahead and map". A
 * router that reports itself not connected, or no usable address, sits behind carrier NAT
 * (miniupnpd and most home routers say so when their WAN address is 100.64.0.0/10).
 */
export function classifyRouter(
  v: RouterView,
): Extract<ReachState, 'mapped' | 'carrier_nat' | 'double_nat'> {
  const a = v.externalAddress;
  if (a && isCarrierNat(a)) return 'carrier_nat';
  if (a && isPrivateIPv4(a)) return 'double_nat';
  if (v.connected === false || !a || !isPublicIPv4(a)) return 'carrier_nat';
  return 'mapped';
}

/** The hub's ports, as the router must forward them. */
export interface HubPorts {
  https: number;
  relay: number;
  /** The whole JackTrip pool: rooms lease blocks from it. */
  poolFrom: number;
  poolTo: number;
}

/** What to forward by hand: HTTPS (TCP), the relay (UDP), the JackTrip pool (TCP and UDP). */
export function forwardRules(p: HubPorts): ForwardRule[] {
  return [
    { protocol: 'TCP', from: p.https, to: p.https, what: 'the hub (HTTPS)' },
    { protocol: 'UDP', from: p.relay, to: p.relay, what: 'voice chat' },
    { protocol: 'TCP+UDP', from: p.poolFrom, to: p.poolTo, what: 'JackTrip audio' },
  ];
}

const rulesText = (rules: ForwardRule[]) =>
  rules.map((r) => `${r.protocol} ${r.from === r.to ? r.from : `${r.from}-${r.to}`}`).join(', ');

export const HOSTING_DOC = 'docs/hosting.md';

/** One plain sentence for the musician: what the state means and what to do. */
export function messageFor(
  state: ReachState,
  facts: {
    publicAddress?: string;
    routerAddress?: string;
    rules: ForwardRule[];
    lanAddress?: string;
  },
): string {
  const to = facts.lanAddress ? ` to ${facts.lanAddress}` : '';
  switch (state) {
    case 'off':
      return `Opening the router is off: friends on your network can join; for the internet, forward ${rulesText(facts.rules)}${to} on your router, or turn it on.`;
    case 'checking':
      return 'Asking your router to open the ports…';
    case 'public':
      return `This computer has a public address (${facts.publicAddress}): friends anywhere can join with the internet link, if no firewall blocks ${rulesText(facts.rules)}.`;
    case 'mapped':
      return `Your router opened the ports: friends anywhere can join with the internet link.`;
    case 'no_gateway':
      return `Your router did not answer (UPnP and NAT-PMP are off or missing): friends on your network can join; for the internet, turn on UPnP or forward ${rulesText(facts.rules)}${to} by hand (${HOSTING_DOC}).`;
    case 'refused':
      return `Your router refused to open the ports: friends on your network can join; for the internet, forward ${rulesText(facts.rules)}${to} by hand (${HOSTING_DOC}).`;
    case 'carrier_nat':
      return `Your internet provider shares one address among many homes (carrier-grade NAT${facts.routerAddress ? `, ${facts.routerAddress}` : ''}), so no one outside can reach this computer: friends on your network can join; for the internet, ask a friend with a hub on a server to host the room (${HOSTING_DOC}).`;
    case 'double_nat':
      return `Another router stands in front of yours (yours has the private address ${facts.routerAddress}): friends on your network can join; for the internet, forward ${rulesText(facts.rules)} on both routers, or ask a friend with a hub on a server to host (${HOSTING_DOC}).`;
  }
}

/**
 * Every mapping's description: names Backline, the machine and this hub (a short tag of its
 * data folder, so two hubs on one machine never take each other's mappings for stale ones).
 */
export function mappingDescription(machine: string, tag: string, what: MappedPort['what']): string {
  const m = machine.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 40) || 'unknown';
  return `Backline ${m} ${tag} ${what}`;
}

/** Is this router mapping one of ours (this machine, this hub), e.g. left by a crash? */
export function isOwnMapping(description: string, machine: string, tag: string): boolean {
  const prefix = mappingDescription(machine, tag, 'https').replace(/ https$/, ' ');
  return description.startsWith(prefix);
}

type Ifaces = NodeJS.Dict<{ address: string; family: string | number; internal: boolean }[]>;

/** The machine's LAN address (private first): where the ports must be forwarded to. */
export function lanIPv4(ifaces: Ifaces): string | undefined {
  const all = Object.values(ifaces)
    .flat()
    .filter((i) => !!i && (i.family === 'IPv4' || i.family === 4) && !i.internal)
    .map((i) => i!.address);
  return all.find(isPrivateIPv4) ?? all[0];
}

/** What the router said that the status shows. */
export interface RouterFacts {
  publicAddress?: string;
  publicPort?: number;
  routerAddress?: string;
}

/**
 * The status the host sees. The public address and port are there only in the states that
 * mean friends on the internet can use them; the ports to forward by hand only in the others.
 */
export function buildStatus(
  state: ReachState,
  facts: RouterFacts,
  context: {
    ports: { https: number; relay: number } | undefined;
    pool: { from: number; to: number };
    gateway: 'upnp' | 'natpmp' | null;
    mapped: MappedPort[];
    lanAddress: string | undefined;
  },
): ReachStatus {
  const p = context.ports;
  const rules = p
    ? forwardRules({
        https: p.https,
        relay: p.relay,
        poolFrom: context.pool.from,
        poolTo: context.pool.to,
      })
    : [];
  const reachable = state === 'mapped' || state === 'public';
  return {
    state,
    message: messageFor(state, { ...facts, rules, lanAddress: context.lanAddress }),
    public_address: reachable ? (facts.publicAddress ?? null) : null,
    public_port: reachable ? (facts.publicPort ?? null) : null,
    router_address: facts.routerAddress ?? null,
    gateway: context.gateway,
    mapped: context.mapped.map(({ what, protocol, internal_port, external_port }) => ({
      what,
      protocol,
      internal_port,
      external_port,
    })),
    forward: reachable ? [] : rules,
  };
}
