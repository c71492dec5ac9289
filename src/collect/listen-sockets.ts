import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** ListenSocket is one listening TCP socket: its address as the kernel prints it, decoded. */
export interface ListenSocket {
  /** address is dotted IPv4 or the 32 hex digits of an IPv6 address. */
  address: string;
  port: number;
  inode: number;
}

const TCP_LISTEN = '0A';

/**
 * parseProcNetTcp reads the LISTEN rows of /proc/net/tcp or tcp6. Addresses are hex in host
 * byte order per 32-bit word, so 127.0.0.1 reads `0100007F` on little-endian machines.
 */
export function parseProcNetTcp(text: string): ListenSocket[] {
  const sockets: ListenSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== TCP_LISTEN) continue;
    const [hexAddress, hexPort] = f[1].split(':');
    if (!hexAddress || !hexPort) continue;
    sockets.push({
      address: decodeAddress(hexAddress),
      port: Number.parseInt(hexPort, 16),
      inode: Number(f[9]),
    });
  }
  return sockets;
}

function decodeAddress(hex: string): string {
  if (hex.length !== 8) return hex.toLowerCase();
  const n = Number.parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24].join('.');
}

/** socketInodesOf lists the socket inodes a process holds, or undefined when /proc/PID/fd is not ours to read. */
export function socketInodesOf(pid: number): Set<number> | undefined {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  const inodes = new Set<number>();
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(Number(m[1]));
    } catch {
      // The fd was closed between the listing and the readlink.
    }
  }
  return inodes;
}

/**
 * listenSocketsOf lists the TCP sockets a process listens on, read from its own network
 * namespace (/proc/PID/net, not ours); undefined when its fds cannot be read (another user).
 */
export function listenSocketsOf(pid: number): ListenSocket[] | undefined {
  const inodes = socketInodesOf(pid);
  if (!inodes) return undefined;
  return allListenSockets(`/proc/${pid}/net`).filter((s) => inodes.has(s.inode));
}

/** allListenSockets lists every listening TCP socket of a network namespace (default: ours). */
export function allListenSockets(netDir = '/proc/net'): ListenSocket[] {
  const sockets: ListenSocket[] = [];
  for (const file of ['tcp', 'tcp6']) {
    try {
      sockets.push(...parseProcNetTcp(readFileSync(`${netDir}/${file}`, 'utf8')));
    } catch {
      // No IPv6 in this kernel, or the process is gone.
    }
  }
  return sockets;
}
