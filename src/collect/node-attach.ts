/**
 * node-attach profiles a Node.js process autoprof did not start: SIGUSR1 opens its inspector,
 * a DevTools-protocol session runs the V8 sampling profilers, and at the end the inspector is
 * closed again, so the target looks as before (apart from the inspector's lines on its stderr).
 *
 * While attached, the inspector listens on 127.0.0.1: any local user could connect to it
 * and run code in the target. That is Node's own SIGUSR1 behaviour; autoprof keeps the window
 * to the profiling duration.
 */
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { CdpConnection, type CdpEvent } from './cdp-connection.js';
import { allListenSockets, type ListenSocket, listenSocketsOf } from './listen-sockets.js';
import { type NodeTarget, readNodeTarget, sigusr1Refusal } from './node-target.js';

/** ATTACH_INTERVAL_US matches the preload's DEFAULT_INTERVAL_US (see node-preload.cts for the measurement). */
export const ATTACH_INTERVAL_US = 2000;
const HEAP_SAMPLING_BYTES = 32 * 1024;
const POLL_MS = 50;

/**
 * CLOSE_INSPECTOR runs in the target. The module comes from process.getBuiltinModule (Node
 * >= 20.16) or the console's `require` (includeCommandLineAPI), which exists in ESM targets too
 * but only during this evaluation, hence taken now. close() waits for every session to end, so
 * it runs on a later turn, after autoprof has read this answer and disconnected; called here it
 * would block the target until the request timed out. Failures stay inside the target's try.
 */
const CLOSE_INSPECTOR = `(() => {
  const p = globalThis.process;
  let m;
  try { m = p.getBuiltinModule?.('node:inspector') ?? (typeof require === 'function' ? require('node:inspector') : undefined); } catch {}
  const close = m ? () => m.close() : typeof p._debugEnd === 'function' ? () => p._debugEnd() : undefined;
  if (!close) return 'no-close';
  setImmediate(() => { try { close(); } catch {} });
  return 'closing';
})()`;

/** NodeAttachOptions configures one attachment. */
export interface NodeAttachOptions {
  /** artifactsDir receives node-<pid>.cpuprofile and node-<pid>.heapprofile. */
  artifactsDir: string;
  intervalUs?: number;
  /** heap adds V8 sampling heap profiling (default true). */
  heap?: boolean;
  /** openTimeoutMs bounds the wait for the inspector to listen after SIGUSR1 (default 5000). */
  openTimeoutMs?: number;
  log?: (message: string) => void;
}

/** NodeAttachResult is how an attachment ended and what it wrote. */
export interface NodeAttachResult {
  status: 'ok' | 'partial' | 'failed' | 'skipped';
  warnings: string[];
  /** files are absolute paths of what was written. */
  files: string[];
}

/** NodeAttachment is a running (or failed) attachment; finish may be called any number of times. */
export interface NodeAttachment {
  pid: number;
  /** port is the inspector's, when one was found. */
  port?: number;
  /** openedByUs: autoprof opened the inspector and so closes it again. */
  openedByUs: boolean;
  /** finished resolves once profiles are written, by finish() or because the target began to exit. */
  finished: Promise<NodeAttachResult>;
  finish(): Promise<NodeAttachResult>;
}

interface Endpoint {
  host: string;
  port: number;
}

function failedAttachment(pid: number, status: 'failed' | 'skipped', reason: string): NodeAttachment {
  const result = Promise.resolve({ status, warnings: [reason], files: [] });
  return { pid, openedByUs: false, finished: result, finish: () => result };
}

function errorLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function endpointOf(s: ListenSocket): Endpoint {
  if (s.address.includes('.'))
    return { host: s.address === '0.0.0.0' ? '127.0.0.1' : s.address, port: s.port };
  return { host: '[::1]', port: s.port };
}

/** debuggerUrls asks an inspector HTTP endpoint for its sessions' WebSocket URLs. */
async function debuggerUrls(e: Endpoint): Promise<string[]> {
  try {
    const res = await fetch(`http://${e.host}:${e.port}/json/list`, { signal: AbortSignal.timeout(1500) });
    const list = (await res.json()) as { webSocketDebuggerUrl?: string }[];
    return Array.isArray(list)
      ? list.flatMap((t) => (t.webSocketDebuggerUrl ? [t.webSocketDebuggerUrl] : []))
      : [];
  } catch {
    return [];
  }
}

/**
 * waitForNewListener polls the target's sockets until one appears that was not there before
 * SIGUSR1: that one is the inspector, whatever port it got.
 */
async function waitForNewListener(pid: number, before: ListenSocket[], timeoutMs: number) {
  const known = new Set(before.map((s) => s.inode));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const now = listenSocketsOf(pid);
    if (!now) return undefined;
    const fresh = now.filter((s) => !known.has(s.inode));
    if (fresh.length > 0) return fresh;
    await sleep(POLL_MS);
  }
  return [];
}

/** isListening tells whether the target still listens on a port (/proc when readable, else a connect). */
async function isListening(pid: number, e: Endpoint): Promise<boolean> {
  const own = listenSocketsOf(pid);
  if (own) return own.some((s) => s.port === e.port);
  return new Promise((resolve) => {
    const socket = connect({ host: e.host.replace(/^\[|\]$/g, ''), port: e.port });
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function waitUntilClosed(pid: number, e: Endpoint, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await isListening(pid, e))) return true;
    await sleep(POLL_MS);
  }
  return false;
}

interface Opened {
  endpoints: Endpoint[];
  openedByUs: boolean;
  /** proven: the endpoints are the target's own sockets, not a guess at the default port. */
  proven: boolean;
}

/** openInspector sends SIGUSR1 when needed and finds where the inspector listens. */
async function openInspector(target: NodeTarget, timeoutMs: number): Promise<Opened | string> {
  const pid = target.pid;
  const before = listenSocketsOf(pid);
  if (target.inspectorRequested) {
    // Started with --inspect: already open, and the user's to keep open.
    const own = before?.filter((s) => s.port === target.inspectPort) ?? [];
    const endpoints =
      own.length > 0 ? own.map(endpointOf) : [{ host: '127.0.0.1', port: target.inspectPort }];
    return { endpoints, openedByUs: false, proven: own.length > 0 };
  }
  const refusal = sigusr1Refusal(target);
  if (refusal) return refusal;
  try {
    process.kill(pid, 'SIGUSR1');
  } catch (err) {
    return `could not send SIGUSR1 to pid ${pid}: ${errorLine(err)}`;
  }
  if (!before) {
    // Another user's process: its sockets are hidden, so try the port it would use.
    await sleep(Math.min(timeoutMs, 1000));
    return { endpoints: [{ host: '127.0.0.1', port: target.inspectPort }], openedByUs: true, proven: false };
  }
  const fresh = await waitForNewListener(pid, before, timeoutMs);
  if (fresh && fresh.length > 0) return { endpoints: fresh.map(endpointOf), openedByUs: true, proven: true };
  const port = target.inspectPort;
  const taken = allListenSockets(`/proc/${pid}/net`).some((s) => s.port === port);
  if (taken) {
    return `SIGUSR1 sent, but the inspector could not listen: port ${port} is in use by another process (Node does not try another port; start the target with --inspect-port=0 to let it choose)`;
  }
  return `SIGUSR1 sent, but pid ${pid} opened no inspector port within ${timeoutMs} ms (its own SIGUSR1 handler may have replaced Node's)`;
}

/**
 * connectToTarget opens a session on the first endpoint that answers; when the endpoint was
 * only guessed, the session must prove it is the target (process.pid) before it is used.
 */
async function connectToTarget(
  pid: number,
  opened: Opened,
  onEvent: (e: CdpEvent) => void,
): Promise<{ conn: CdpConnection; endpoint: Endpoint } | string> {
  const problems: string[] = [];
  for (const endpoint of opened.endpoints) {
    for (const url of await debuggerUrls(endpoint)) {
      let conn: CdpConnection;
      try {
        conn = await CdpConnection.open(url, onEvent);
      } catch (err) {
        problems.push(errorLine(err));
        continue;
      }
      if (opened.proven) return { conn, endpoint };
      try {
        const r = await conn.send<{ result: { value?: unknown } }>('Runtime.evaluate', {
          expression: 'globalThis.process.pid',
          returnByValue: true,
        });
        if (r.result.value === pid) return { conn, endpoint };
        problems.push(`${url} belongs to pid ${String(r.result.value)}`);
      } catch (err) {
        problems.push(errorLine(err));
      }
      await conn.close();
    }
  }
  const where = opened.endpoints.map((e) => `${e.host}:${e.port}`).join(', ');
  return `no inspector session of pid ${pid} at ${where}${problems.length > 0 ? ` (${problems.join('; ')})` : ''}`;
}

/**
 * attachNode opens the inspector of a running Node process and starts its CPU (and heap)
 * sampling profiler. It never throws and never signals the target beyond the one SIGUSR1 Node
 * reserves for this: every failure is in the result's warnings and the target runs on.
 */
export async function attachNode(pid: number, options: NodeAttachOptions): Promise<NodeAttachment> {
  const log = options.log ?? (() => {});
  const target = readNodeTarget(pid);
  if (!target) return failedAttachment(pid, 'failed', `no process with pid ${pid}`);
  if (!target.isNode) return failedAttachment(pid, 'skipped', sigusr1Refusal(target)!);
  const opened = await openInspector(target, options.openTimeoutMs ?? 5000);
  if (typeof opened === 'string') return failedAttachment(pid, 'failed', opened);

  let onExit: () => void = () => {};
  const onEvent = (e: CdpEvent) => {
    // Sent when the target is about to exit and waits for autoprof: the last chance to read profiles.
    if (e.method === 'NodeRuntime.waitingForDisconnect') onExit();
  };
  const connected = await connectToTarget(pid, opened, onEvent);
  if (typeof connected === 'string') {
    // SIGUSR1 opened it but autoprof cannot use it: the target must not keep an open inspector.
    return failedAttachment(pid, 'failed', `${connected}; the inspector may have stayed open`);
  }
  const { conn, endpoint } = connected;
  log(
    `node: attached to pid ${pid} through ${endpoint.host}:${endpoint.port}${opened.openedByUs ? '' : ' (inspector was already open)'}`,
  );
  const warnings: string[] = [];
  const heap = options.heap ?? true;
  let heapStarted = false;
  try {
    await conn.send('NodeRuntime.notifyWhenWaitingForDisconnect', { enabled: true }).catch(() => {});
    await conn.send('Profiler.enable');
    await conn.send('Profiler.setSamplingInterval', { interval: options.intervalUs ?? ATTACH_INTERVAL_US });
    await conn.send('Profiler.start');
  } catch (err) {
    warnings.push(`could not start the CPU profiler: ${errorLine(err)}`);
  }
  if (heap) {
    try {
      await conn.send('HeapProfiler.enable');
      await conn.send('HeapProfiler.startSampling', { samplingInterval: HEAP_SAMPLING_BYTES });
      heapStarted = true;
    } catch (err) {
      warnings.push(`could not start heap sampling: ${errorLine(err)}`);
    }
  }

  let exiting = false;
  let finishing: Promise<NodeAttachResult> | undefined;
  let resolveFinished: (r: NodeAttachResult) => void = () => {};
  const finished = new Promise<NodeAttachResult>((r) => {
    resolveFinished = r;
  });
  const finish = (): Promise<NodeAttachResult> => {
    finishing ??= detach({
      pid,
      conn,
      endpoint,
      opened,
      heapStarted,
      exiting,
      warnings,
      dir: options.artifactsDir,
      log,
    }).then((r) => {
      resolveFinished(r);
      return r;
    });
    return finishing;
  };
  onExit = () => {
    exiting = true;
    log(`node: pid ${pid} is exiting; reading its profiles now`);
    void finish();
  };
  return { pid, port: endpoint.port, openedByUs: opened.openedByUs, finished, finish };
}

interface DetachParts {
  pid: number;
  conn: CdpConnection;
  endpoint: Endpoint;
  opened: Opened;
  heapStarted: boolean;
  exiting: boolean;
  warnings: string[];
  dir: string;
  log: (message: string) => void;
}

/** detach reads the profiles, writes them, closes the inspector autoprof opened, and disconnects. */
async function detach(p: DetachParts): Promise<NodeAttachResult> {
  const { pid, conn, warnings } = p;
  const files: string[] = [];
  const save = async (method: string, ext: string) => {
    try {
      const r = await p.conn.send<{ profile: unknown }>(method, {}, 60_000);
      const file = join(p.dir, `node-${pid}.${ext}`);
      writeFileSync(file, JSON.stringify(r.profile));
      files.push(file);
    } catch (err) {
      const gone = !conn.isOpen ? ' (the target exited before its profile could be read)' : '';
      warnings.push(`${method} failed: ${errorLine(err)}${gone}`);
    }
  };
  await save('Profiler.stop', 'cpuprofile');
  if (p.heapStarted) await save('HeapProfiler.stopSampling', 'heapprofile');
  await conn.send('Profiler.disable').catch(() => {});
  if (p.heapStarted) await conn.send('HeapProfiler.disable').catch(() => {});
  const closeIt = p.opened.openedByUs && !p.exiting && conn.isOpen;
  if (closeIt) {
    try {
      const r = await conn.send<{ result: { value?: unknown } }>('Runtime.evaluate', {
        expression: CLOSE_INSPECTOR,
        includeCommandLineAPI: true,
        returnByValue: true,
      });
      if (r.result.value !== 'closing')
        warnings.push(`could not close the target's inspector (${String(r.result.value)})`);
    } catch (err) {
      warnings.push(`could not close the target's inspector: ${errorLine(err)}`);
    }
  }
  await conn.close();
  if (closeIt && !(await waitUntilClosed(pid, p.endpoint, 3000))) {
    warnings.push(`the target's inspector still listens on port ${p.endpoint.port}`);
  } else if (closeIt) {
    p.log(`node: closed the inspector of pid ${pid} again`);
  }
  const cpu = files.some((f) => f.endsWith('.cpuprofile'));
  return { status: !cpu ? 'failed' : warnings.length > 0 ? 'partial' : 'ok', warnings, files };
}
