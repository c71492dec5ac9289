import WebSocket from 'ws';

/** CdpEvent is a protocol notification (a message without an id). */
export interface CdpEvent {
  method: string;
  params?: unknown;
}

interface Pending {
  resolve(result: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * CdpConnection is a minimal Chrome DevTools Protocol client over one WebSocket: numbered
 * requests with a timeout each (a target whose main thread is stuck must not hang autoprof),
 * and events to one listener.
 */
export class CdpConnection {
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private closedReason: string | undefined;
  /** closed resolves when the socket is gone, for whatever reason. */
  readonly closed: Promise<void>;

  private constructor(
    private readonly ws: WebSocket,
    onEvent: (event: CdpEvent) => void,
  ) {
    this.closed = new Promise((resolve) => {
      ws.on('close', () => {
        this.fail(this.closedReason ?? 'the inspector connection closed');
        resolve();
      });
    });
    ws.on('error', (err) => {
      this.closedReason = `inspector connection error: ${err.message}`;
    });
    ws.on('message', (data) => {
      let msg: {
        id?: number;
        result?: unknown;
        error?: { message?: string };
        method?: string;
        params?: unknown;
      };
      try {
        msg = JSON.parse(String(data));
      } catch {
        return;
      }
      if (msg.id === undefined) {
        if (msg.method) onEvent({ method: msg.method, params: msg.params });
        return;
      }
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.error) p.reject(new Error(msg.error.message ?? 'protocol error'));
      else p.resolve(msg.result ?? {});
    });
  }

  /** open connects to a webSocketDebuggerUrl. */
  static open(url: string, onEvent: (event: CdpEvent) => void, timeoutMs = 3000): Promise<CdpConnection> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { handshakeTimeout: timeoutMs, perMessageDeflate: false, maxPayload: 0 });
      ws.once('open', () => resolve(new CdpConnection(ws, onEvent)));
      ws.once('error', (err) => reject(new Error(`cannot connect to ${url}: ${err.message}`)));
    });
  }

  /** isOpen says whether requests can still be sent. */
  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** send issues one protocol method and resolves with its result. */
  send<T = unknown>(method: string, params: object = {}, timeoutMs = 5000): Promise<T> {
    if (!this.isOpen)
      return Promise.reject(new Error(`${method}: ${this.closedReason ?? 'connection closed'}`));
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject, timer });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** close ends the connection, forcibly if the close handshake does not finish in time. */
  async close(timeoutMs = 1000): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    const timer = setTimeout(() => this.ws.terminate(), timeoutMs);
    await this.closed;
    clearTimeout(timer);
  }

  private fail(reason: string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error(reason));
      this.pending.delete(id);
    }
  }
}
