/**
 * syntheticJfr writes small but complete JFR chunks for tests: a metadata event describing the
 * JDK types the importer reads, a constant pool, and execution-sample and monitor-enter events.
 * Tests get a known input without depending on the shared corpora, and fuzz tests get a file
 * small enough to truncate at every offset.
 */

/** SyntheticSample is one event to write: which stack, which thread state, and for locks a duration. */
export interface SyntheticSample {
  kind: 'cpu' | 'lock';
  stack: 1 | 2;
  state?: 1 | 2;
  duration?: number;
}

const T = {
  long: 1,
  int: 2,
  boolean: 3,
  string: 4,
  symbol: 10,
  klass: 11,
  method: 12,
  frame: 13,
  trace: 14,
  threadState: 15,
  thread: 16,
  executionSample: 20,
  monitorEnter: 21,
} as const;

class Out {
  readonly bytes: number[] = [];
  varint(v: number): this {
    let x = v;
    while (x >= 0x80) {
      this.bytes.push((x % 0x80) | 0x80);
      x = Math.floor(x / 0x80);
    }
    this.bytes.push(x);
    return this;
  }
  u8(v: number): this {
    this.bytes.push(v & 0xff);
    return this;
  }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    this.u8(3).varint(b.length);
    for (const x of b) this.bytes.push(x);
    return this;
  }
  raw(b: number[]): this {
    for (const x of b) this.bytes.push(x);
    return this;
  }
}

/** sized prefixes an event payload with its total size (which counts the size varint itself). */
function sized(payload: number[]): number[] {
  for (let width = 1; ; width++) {
    const total = payload.length + width;
    const prefix = new Out().varint(total).bytes;
    if (prefix.length === width) return [...prefix, ...payload];
  }
}

type Field = [name: string, type: number, constantPool?: boolean, array?: boolean];

function metadataEvent(): number[] {
  const strings: string[] = [];
  const idx = (s: string): number => {
    let i = strings.indexOf(s);
    if (i < 0) i = strings.push(s) - 1;
    return i;
  };
  const element = (name: string, attrs: Record<string, string>, children: number[][]): number[] => {
    const o = new Out().varint(idx(name)).varint(Object.keys(attrs).length);
    for (const [k, v] of Object.entries(attrs)) o.varint(idx(k)).varint(idx(v));
    o.varint(children.length);
    for (const c of children) o.raw(c);
    return o.bytes;
  };
  const cls = (id: number, name: string, fields: Field[], superType?: string): number[] =>
    element(
      'class',
      { id: String(id), name, ...(superType ? { superType } : {}) },
      fields.map(([n, type, cp, array]) =>
        element(
          'field',
          {
            name: n,
            class: String(type),
            ...(cp ? { constantPool: 'true' } : {}),
            ...(array ? { dimension: '1' } : {}),
          },
          [],
        ),
      ),
    );
  const classes = [
    cls(T.long, 'long', []),
    cls(T.int, 'int', []),
    cls(T.boolean, 'boolean', []),
    cls(T.string, 'java.lang.String', []),
    cls(T.symbol, 'jdk.types.Symbol', [['string', T.string]]),
    cls(T.klass, 'java.lang.Class', [['name', T.symbol, true]]),
    cls(T.method, 'jdk.types.Method', [
      ['type', T.klass, true],
      ['name', T.symbol, true],
    ]),
    cls(T.frame, 'jdk.types.StackFrame', [
      ['method', T.method, true],
      ['lineNumber', T.int],
    ]),
    cls(T.trace, 'jdk.types.StackTrace', [
      ['truncated', T.boolean],
      ['frames', T.frame, false, true],
    ]),
    cls(T.threadState, 'jdk.types.ThreadState', [['name', T.string]]),
    cls(T.thread, 'java.lang.Thread', [['javaName', T.string]]),
    cls(
      T.executionSample,
      'jdk.ExecutionSample',
      [
        ['startTime', T.long],
        ['sampledThread', T.thread, true],
        ['stackTrace', T.trace, true],
        ['state', T.threadState, true],
      ],
      'jdk.jfr.Event',
    ),
    cls(
      T.monitorEnter,
      'jdk.JavaMonitorEnter',
      [
        ['startTime', T.long],
        ['duration', T.long],
        ['stackTrace', T.trace, true],
      ],
      'jdk.jfr.Event',
    ),
  ];
  const root = element('root', {}, [element('metadata', {}, classes), element('region', {}, [])]);
  const o = new Out().varint(0).varint(0).varint(0).varint(1).varint(strings.length);
  for (const s of strings) o.str(s);
  return sized(o.raw(root).bytes);
}

function constantPoolEvent(): number[] {
  const o = new Out().varint(1).varint(0).varint(0).varint(0).u8(1).varint(7);
  o.varint(T.symbol).varint(5);
  for (const [i, s] of ['Main', 'main', 'work', 'sleep'].entries()) o.varint(i + 1).str(s);
  o.varint(5).str('jdk/internal/reflect/GeneratedMethodAccessor42');
  o.varint(T.klass).varint(2).varint(1).varint(1).varint(2).varint(5);
  // methods: 1 Main.main, 2 Main.work, 3 Main.sleep, 4 GeneratedMethodAccessor42.main
  o.varint(T.method).varint(4);
  o.varint(1).varint(1).varint(2);
  o.varint(2).varint(1).varint(3);
  o.varint(3).varint(1).varint(4);
  o.varint(4).varint(2).varint(2);
  // stack 1: work:20 <- main:10; stack 2: sleep:5 <- accessor.main:1 <- main:10 (leaf first)
  o.varint(T.trace).varint(2);
  o.varint(1).u8(0).varint(2).varint(2).varint(20).varint(1).varint(10);
  o.varint(2).u8(1).varint(3).varint(3).varint(5).varint(4).varint(1).varint(1).varint(10);
  o.varint(T.threadState).varint(2).varint(1).str('STATE_RUNNABLE').varint(2).str('STATE_SLEEPING');
  o.varint(T.thread).varint(1).varint(7).str('worker-1');
  o.varint(T.string).varint(0);
  return sized(o.bytes);
}

function eventBytes(s: SyntheticSample): number[] {
  if (s.kind === 'cpu') {
    return sized(
      new Out()
        .varint(T.executionSample)
        .varint(100)
        .varint(7)
        .varint(s.stack)
        .varint(s.state ?? 1).bytes,
    );
  }
  return sized(
    new Out()
      .varint(T.monitorEnter)
      .varint(100)
      .varint(s.duration ?? 0)
      .varint(s.stack).bytes,
  );
}

function be64(v: number): number[] {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(v));
  return [...b];
}

/** syntheticChunk writes one chunk holding the given events. */
export function syntheticChunk(samples: SyntheticSample[], ticksPerSecond = 1_000_000_000): Uint8Array {
  const events = samples.flatMap(eventBytes);
  const cp = constantPoolEvent();
  const meta = metadataEvent();
  const cpOffset = 68 + events.length;
  const metaOffset = cpOffset + cp.length;
  const size = metaOffset + meta.length;
  const header = [
    0x46,
    0x4c,
    0x52,
    0x00,
    0,
    2,
    0,
    1,
    ...be64(size),
    ...be64(cpOffset),
    ...be64(metaOffset),
    ...be64(1_700_000_000_000_000_000),
    ...be64(5_000_000_000),
    ...be64(1000),
    ...be64(ticksPerSecond),
    0,
    0,
    0,
    1,
  ];
  return Uint8Array.from([...header, ...events, ...cp, ...meta]);
}

/** concatChunks joins chunks into one multi-chunk recording. */
export function concatChunks(...chunks: Uint8Array[]): Uint8Array {
  return Uint8Array.from(chunks.flatMap((c) => [...c]));
}
