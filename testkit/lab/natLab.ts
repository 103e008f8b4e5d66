// A home-internet lab in Linux network namespaces, so hosting across NAT is tested on one
// machine with real routers: nftables masquerade, miniupnpd (UPnP IGD + NAT-PMP), and homes
// whose only way out is a bridge standing in for the internet. Needs root and `ip netns`.
//
//   internet  <id>-wan   bridge 203.0.113.1/24 (TEST-NET-3: documentation space, never routed)
//   host home <id>-hr    router: WAN 203.0.113.10, LAN 10.10.0.1/24, masquerade, miniupnpd
//             <id>-h     the host's computer, 10.10.0.2
//             <id>-h2    another computer on the same LAN (a bridge in the router), 10.10.0.3
//   player A  <id>-ar    router: WAN 203.0.113.20, LAN 10.20.0.1/24, masquerade
//             <id>-a     10.20.0.2
//   player B  <id>-br    router: WAN 203.0.113.30, LAN 10.30.0.1/24, masquerade with random
//                        source ports (the "symmetric" NAT of many ISPs and phone networks)
//             <id>-b     10.30.0.2
//   carrier   <id>-cg    the ISP's carrier-grade NAT: WAN 203.0.113.40, inside 100.64.0.1/24
//             <id>-cr    a home router behind it: WAN 100.64.0.2, LAN 10.40.0.1/24, miniupnpd
//             <id>-c     10.40.0.2
//   no UPnP   <id>-nr    router: WAN 203.0.113.50, LAN 10.50.0.1/24, masquerade, no miniupnpd
//             <id>-n     10.50.0.2
//
// Each namespace holds only loopback and its own veth links, so nothing started inside can
// reach a real network. Namespace names carry a per-lab id, so two labs never collide.
//
// miniupnpd refuses to map while its external address is private or reserved, and
// 203.0.113.x is reserved. So the host's router is told to *advertise* a public-looking literal
// (`advertised`, 44.44.44.44 by default) as its external address: it only ever appears in
// GetExternalIPAddress answers, no packet goes to it. Players reach the host at the router's
// real WAN address, HOST_WAN. The carrier router advertises nothing: it reads its WAN
// address, 100.64.0.2, as a real router would, and reports itself not connected.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  delay,
  isRunning,
  runTool,
  spawnChild,
  stopChild,
  type Child,
} from '../../hub-core/src/index.js';

/** The host's router's real WAN address: where players send their packets. */
export const HOST_WAN = '203.0.113.10';
export const HOST_LAN = '10.10.0.2';
/** Another computer on the host's LAN. */
export const LAN_NEIGHBOUR = '10.10.0.3';
export const CARRIER_HOST_LAN = '10.40.0.2';
export const NO_UPNP_HOST_LAN = '10.50.0.2';
export const DEFAULT_ADVERTISED = '44.44.44.44';

export type LabNode =
  'wan' | 'hr' | 'h' | 'h2' | 'ar' | 'a' | 'br' | 'b' | 'cg' | 'cr' | 'c' | 'nr' | 'n';
const NODES: readonly LabNode[] = [
  'wan',
  'hr',
  'h',
  'h2',
  'ar',
  'a',
  'br',
  'b',
  'cg',
  'cr',
  'c',
  'nr',
  'n',
];

const TOOLS: Record<string, string> = {
  ip: 'iproute2',
  nft: 'nftables',
  miniupnpd: 'miniupnpd-nftables',
  upnpc: 'miniupnpc',
  natpmpc: 'natpmpc',
};

/** Why the lab cannot be built here, or undefined when it can (root, `ip netns`, the tools). */
export async function labSkipReason(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'the NAT lab needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'the NAT lab needs root (ip netns, nftables)';
  const missing: string[] = [];
  for (const [tool, pkg] of Object.entries(TOOLS)) {
    const r = await runTool('sh', ['-c', `command -v ${tool}`], process.env, 3000);
    if (r.code !== 0) missing.push(pkg);
  }
  if (missing.length) return `the NAT lab needs Debian's ${missing.join(' ')}`;
  const probe = `bltest-${randomBytes(3).toString('hex')}`;
  const add = await runTool('ip', ['netns', 'add', probe], process.env, 5000);
  if (add.code !== 0) return `ip netns add does not work here: ${add.stderr.trim()}`;
  await runTool('ip', ['netns', 'del', probe], process.env, 5000);
  return undefined;
}

export interface LabOptions {
  /** The external address the host's router advertises. Default 44.44.44.44. */
  advertised?: string;
  /** Where configs and logs go. Default: a fresh temporary folder, removed by close(). */
  stateDir?: string;
}

/** The nftables ruleset of a lab router: forward LAN → WAN, masquerade, miniupnpd's chains. */
export function routerRuleset(wanIf: string, lanIf: string, randomPorts: boolean): string {
  const masq = randomPorts ? 'masquerade random,fully-random' : 'masquerade';
  // miniupnpd adds its rules to these (empty) chains; Debian's nft_init.sh would need iptables.
  return `table inet filter {
  chain miniupnpd {
  }
  chain prerouting_miniupnpd {
  }
  chain postrouting_miniupnpd {
  }
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    iifname "${lanIf}" accept
    jump miniupnpd
  }
  chain prerouting {
    type nat hook prerouting priority -100; policy accept;
    jump prerouting_miniupnpd
  }
  chain postrouting {
    type nat hook postrouting priority 100; policy accept;
    jump postrouting_miniupnpd
    oifname "${wanIf}" ${masq}
  }
}
`;
}

/** miniupnpd's config for a lab router: UPnP IGD and NAT-PMP for its LAN, 10.0.0.0/8 only. */
export function miniupnpdConfig(options: {
  wanIf: string;
  lanIf: string;
  advertised?: string;
  uuidTail: string;
}): string {
  return [
    `ext_ifname=${options.wanIf}`,
    ...(options.advertised ? [`ext_ip=${options.advertised}`] : []),
    `listening_ip=${options.lanIf}`,
    'port=5000',
    'enable_natpmp=yes',
    'enable_upnp=yes',
    'secure_mode=yes',
    'system_uptime=yes',
    'min_lifetime=60',
    'max_lifetime=86400',
    `uuid=3a8c1f4e-9b7d-4c2e-8f10-${options.uuidTail}`,
    'upnp_table_name=filter',
    'upnp_nat_table_name=filter',
    'upnp_forward_chain=miniupnpd',
    'upnp_nat_chain=prerouting_miniupnpd',
    'upnp_nat_postrouting_chain=postrouting_miniupnpd',
    'allow 1024-65535 10.0.0.0/8 1024-65535',
    'deny 0-65535 0.0.0.0/0 0-65535',
    '',
  ].join('\n');
}

/**
 * The lab: `NatLab.create` resolves once every namespace, route and router (with its
 * miniupnpd answering) is up; `close` ends every process inside the namespaces, waits for
 * each by PID, deletes the namespaces and the state folder. Safe to call twice.
 */
export class NatLab {
  private readonly daemons: Child[] = [];
  private closing: Promise<void> | undefined;

  private constructor(
    readonly id: string,
    readonly stateDir: string,
    readonly advertised: string,
    private readonly ownsStateDir: boolean,
  ) {}

  /** The real namespace name of a lab node. */
  ns(node: LabNode): string {
    return `${this.id}-${node}`;
  }

  /** argv prefix that runs a command inside a node (ip netns exec execs: the PID is the command's). */
  prefix(node: LabNode): string[] {
    return ['ip', 'netns', 'exec', this.ns(node)];
  }

  /** PIDs of miniupnpd and anything else still running inside the lab's namespaces. */
  async pids(): Promise<number[]> {
    const out: number[] = [];
    for (const n of NODES) {
      const r = await runTool('ip', ['netns', 'pids', this.ns(n)], process.env, 5000);
      out.push(...r.stdout.split('\n').filter(Boolean).map(Number));
    }
    return out;
  }

  get miniupnpdPids(): number[] {
    return this.daemons.map((d) => d.pid);
  }

  /** Runs a short command inside a node; rejects with its output when it fails. */
  async exec(node: LabNode, cmd: string, args: readonly string[], timeoutMs = 10_000) {
    const r = await runTool(
      'ip',
      ['netns', 'exec', this.ns(node), cmd, ...args],
      process.env,
      timeoutMs,
    );
    return r;
  }

  private async must(node: LabNode, cmd: string, args: readonly string[]): Promise<void> {
    const r = await this.exec(node, cmd, args);
    if (r.code !== 0) {
      throw new Error(`lab: ${node}: ${cmd} ${args.join(' ')}: ${(r.stderr || r.stdout).trim()}`);
    }
  }

  static async create(options: LabOptions = {}): Promise<NatLab> {
    const id = `bl${randomBytes(2).toString('hex')}`;
    const ownsStateDir = !options.stateDir;
    const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'backline-natlab-'));
    mkdirSync(stateDir, { recursive: true });
    const lab = new NatLab(id, stateDir, options.advertised ?? DEFAULT_ADVERTISED, ownsStateDir);
    try {
      await lab.build();
      return lab;
    } catch (err) {
      await lab.close();
      throw err;
    }
  }

  private async build(): Promise<void> {
    for (const n of NODES) {
      const add = await runTool('ip', ['netns', 'add', this.ns(n)], process.env, 5000);
      if (add.code !== 0) throw new Error(`lab: ip netns add ${this.ns(n)}: ${add.stderr.trim()}`);
      await this.must(n, 'ip', ['link', 'set', 'lo', 'up']);
    }
    await this.must('wan', 'ip', ['link', 'add', 'br0', 'type', 'bridge']);
    await this.must('wan', 'ip', ['link', 'set', 'br0', 'up']);
    await this.must('wan', 'ip', ['addr', 'add', '203.0.113.1/24', 'dev', 'br0']);
    for (const r of ['hr', 'ar', 'br', 'cg', 'nr'] as const) {
      await this.link(r, 'wan0', 'wan', `w-${r}`);
      await this.must('wan', 'ip', ['link', 'set', `w-${r}`, 'master', 'br0']);
    }
    // The host's home LAN is a bridge, so a second computer can sit beside the host.
    await this.must('hr', 'ip', ['link', 'add', 'lan0', 'type', 'bridge']);
    await this.must('hr', 'ip', ['link', 'set', 'lan0', 'up']);
    await this.link('hr', 'lan-h', 'h', 'eth0');
    await this.link('hr', 'lan-h2', 'h2', 'eth0');
    await this.must('hr', 'ip', ['link', 'set', 'lan-h', 'master', 'lan0']);
    await this.must('hr', 'ip', ['link', 'set', 'lan-h2', 'master', 'lan0']);
    await this.link('ar', 'lan0', 'a', 'eth0');
    await this.link('br', 'lan0', 'b', 'eth0');
    await this.link('cg', 'lan0', 'cr', 'wan0');
    await this.link('cr', 'lan0', 'c', 'eth0');
    await this.link('nr', 'lan0', 'n', 'eth0');
    await this.router('hr', '203.0.113.10/24', '10.10.0.1/24', false);
    await this.router('ar', '203.0.113.20/24', '10.20.0.1/24', false);
    await this.router('br', '203.0.113.30/24', '10.30.0.1/24', true);
    await this.router('cg', '203.0.113.40/24', '100.64.0.1/24', false);
    await this.router('cr', '100.64.0.2/24', '10.40.0.1/24', false);
    await this.router('nr', '203.0.113.50/24', '10.50.0.1/24', false);
    await this.must('cr', 'ip', ['route', 'add', 'default', 'via', '100.64.0.1']);
    for (const [node, prefix] of [
      ['h', '10.10.0'],
      ['a', '10.20.0'],
      ['b', '10.30.0'],
      ['c', '10.40.0'],
      ['n', '10.50.0'],
    ] as const) {
      await this.must(node, 'ip', ['addr', 'add', `${prefix}.2/24`, 'dev', 'eth0']);
      await this.must(node, 'ip', ['route', 'add', 'default', 'via', `${prefix}.1`]);
    }
    await this.must('h2', 'ip', ['addr', 'add', `${LAN_NEIGHBOUR}/24`, 'dev', 'eth0']);
    await this.must('h2', 'ip', ['route', 'add', 'default', 'via', '10.10.0.1']);
    await this.upnpd('hr', this.advertised);
    await this.upnpd('cr', undefined);
  }

  /** A veth pair made directly inside the two namespaces (no name ever lives outside them). */
  private async link(a: LabNode, aIf: string, b: LabNode, bIf: string): Promise<void> {
    const r = await runTool(
      'ip',
      [
        '-n',
        this.ns(a),
        'link',
        'add',
        aIf,
        'type',
        'veth',
        'peer',
        'name',
        bIf,
        'netns',
        this.ns(b),
      ],
      process.env,
      5000,
    );
    if (r.code !== 0) throw new Error(`lab: veth ${a}/${aIf} - ${b}/${bIf}: ${r.stderr.trim()}`);
    await this.must(a, 'ip', ['link', 'set', aIf, 'up']);
    await this.must(b, 'ip', ['link', 'set', bIf, 'up']);
  }

  private async router(node: LabNode, wan: string, lan: string, randomPorts: boolean) {
    await this.must(node, 'ip', ['addr', 'add', wan, 'dev', 'wan0']);
    await this.must(node, 'ip', ['addr', 'add', lan, 'dev', 'lan0']);
    await this.must(node, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    const file = join(this.stateDir, `${node}.nft`);
    writeFileSync(file, routerRuleset('wan0', 'lan0', randomPorts));
    await this.must(node, 'nft', ['-f', file]);
  }

  private async upnpd(node: 'hr' | 'cr', advertised: string | undefined): Promise<void> {
    const conf = join(this.stateDir, `${node}-miniupnpd.conf`);
    writeFileSync(
      conf,
      miniupnpdConfig({
        wanIf: 'wan0',
        lanIf: 'lan0',
        advertised,
        uuidTail: randomBytes(6).toString('hex'),
      }),
    );
    const lines: string[] = [];
    const d = spawnChild(
      'ip',
      [
        ...this.prefix(node).slice(1),
        'miniupnpd',
        '-d',
        '-f',
        conf,
        '-P',
        join(this.stateDir, `${node}-miniupnpd.pid`),
      ],
      process.env,
      (l) => lines.push(l),
    );
    this.daemons.push(d);
    for (let i = 0; i < 100; i++) {
      const ss = await this.exec(node, 'ss', ['-lnu'], 3000);
      if (/:5351\b/.test(ss.stdout)) return;
      if (!isRunning(d)) break;
      await delay(50);
    }
    throw new Error(`lab: miniupnpd in ${node} did not start: ${lines.slice(-3).join(' | ')}`);
  }

  /** Stops miniupnpd on the host's router (a crash of the gateway, or UPnP switched off). */
  async stopUpnpd(node: 'hr' | 'cr'): Promise<void> {
    const i = node === 'hr' ? 0 : 1;
    const d = this.daemons[i];
    if (d) await stopChild(d, 3000);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all(this.daemons.map((d) => stopChild(d, 3000)));
      // Anything a test left inside (it should have stopped it itself): TERM, then KILL, by PID.
      let left = await this.pids();
      for (const p of left) safeKill(p, 'SIGTERM');
      for (let i = 0; i < 30 && left.length; i++) {
        await delay(100);
        left = left.filter(alivePid);
      }
      for (const p of left) safeKill(p, 'SIGKILL');
      for (let i = 0; i < 50 && left.length; i++) {
        await delay(100);
        left = left.filter(alivePid);
      }
      for (const n of NODES) {
        if (existsSync(`/run/netns/${this.ns(n)}`))
          await runTool('ip', ['netns', 'del', this.ns(n)], process.env, 5000);
      }
      if (this.ownsStateDir) rmSync(this.stateDir, { recursive: true, force: true });
    })();
    return this.closing;
  }
}

function safeKill(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function alivePid(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
