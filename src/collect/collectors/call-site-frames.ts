/**
 * Call-site recovery for native stacks. glibc is built without frame pointers and tail-calls
 * (fputc jumps into _IO_new_file_overflow), so even a DWARF-unwound stack often lacks the
 * library function the program actually called: `write_row -> _IO_new_file_overflow -> write`
 * never names fputc. The caller's frame still holds a return address, and the instruction
 * before it is a `call` whose target (a PLT stub `fputc@plt`, or a direct symbol) names the
 * callee. Where that callee is not the library frame the stack shows, it is inserted between
 * the two, named `<callee> [inferred]` so nobody mistakes it for a sampled frame.
 *
 * The disassembly comes from binutils' objdump (which names PLT stubs even in stripped
 * binaries), once per module; without objdump, or for a module it cannot read, stacks are
 * left as they are.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { INFERRED_MARK } from '../../model/inferred-frame.js';

/** MAX_MODULE_BYTES: larger modules (a JIT runtime's binary) would cost seconds to disassemble. */
const MAX_MODULE_BYTES = 24 * 1024 * 1024;
const OBJDUMP_TIMEOUT_MS = 30_000;
const OBJDUMP_MAX_BUFFER = 256 * 1024 * 1024;

/** CallSites is what one module's disassembly says: return address -> callee, symbol -> address. */
export interface CallSites {
  /** callees: keyed by the address after a call and that address - 1 (perf prints either). */
  callees: Map<number, string>;
  symbols: Map<string, number>;
}

const INSTRUCTION = /^\s*([0-9a-f]+):\s+(\S+)(?:\s+(.*))?$/;
const SYMBOL_LABEL = /^([0-9a-f]+) <([^>]+)>:$/;
const DIRECT_TARGET = /^[0-9a-f]+ <([^>]+)>$/;

/**
 * calleeOfTarget names a call target as the function called: `fputc@plt` and
 * `fputc@GLIBC_2.2.5` are fputc; a target inside a function (`foo+0x10`) names no function.
 */
export function calleeOfTarget(target: string): string | undefined {
  if (target.includes('+') || target.includes('-0x')) return undefined;
  const name = target.replace(/@plt$/, '').replace(/@@?[A-Z][\w.]*$/, '');
  return name === '' ? undefined : name;
}

/** parseCallSites reads `objdump -d --no-show-raw-insn` text (x86-64 and AArch64 mnemonics). */
export function parseCallSites(text: string): CallSites {
  const callees = new Map<number, string>();
  const symbols = new Map<string, number>();
  let pending: string | undefined;
  for (const line of text.split('\n')) {
    const label = SYMBOL_LABEL.exec(line);
    if (label) {
      const name = label[2].replace(/@@?[A-Z][\w.]*$/, '');
      if (!name.includes('@plt')) symbols.set(name, Number.parseInt(label[1], 16));
      pending = undefined;
      continue;
    }
    const insn = INSTRUCTION.exec(line);
    if (!insn) continue;
    const address = Number.parseInt(insn[1], 16);
    // The instruction after a call starts at its return address.
    if (pending !== undefined) {
      callees.set(address, pending);
      callees.set(address - 1, pending);
      pending = undefined;
    }
    const mnemonic = insn[2];
    if (mnemonic === 'call' || mnemonic === 'callq' || mnemonic === 'bl') {
      const target = DIRECT_TARGET.exec((insn[3] ?? '').trim());
      pending = target ? calleeOfTarget(target[1]) : undefined;
    }
  }
  return { callees, symbols };
}

/**
 * libcAliasFree reads glibc's internal aliases as the exported name: `__GI___libc_malloc` is
 * malloc, `__regexec` regexec, `__GI__IO_fflush` fflush, `_IO_new_fclose` fclose.
 */
export function libcAliasFree(name: string): string {
  return name
    .replace(/^__GI_/, '')
    .replace(/^_*(?:libc_)?/, '')
    .replace(/^_*(?:IO_)?(?:new_)?/, '');
}

/** StackLine is one perf script frame line, split. */
interface StackLine {
  address: number;
  symbol: string | undefined;
  offset: number;
  module: string;
}

const FRAME_LINE = /^\s+([0-9a-fA-F]+)\s+(.*?)\s+\(([^()]*)\)\s*$/;

function parseStackLine(line: string): StackLine | undefined {
  const m = FRAME_LINE.exec(line);
  if (!m) return undefined;
  const at = /^(.*)\+0x([0-9a-f]+)$/.exec(m[2]);
  const symbol = at ? at[1] : m[2];
  return {
    address: Number.parseInt(m[1], 16),
    symbol: symbol === '[unknown]' ? undefined : symbol,
    offset: at ? Number.parseInt(at[2], 16) : 0,
    module: m[3],
  };
}

/** isElfPath: a module perf names by its file, not `[kernel.kallsyms]`, `[vdso]` or a JIT map. */
function isElfPath(module: string): boolean {
  return module.startsWith('/') && !/\/perf-\d+\.map$/.test(module) && !module.startsWith('//anon');
}

/** CallSiteSource gives a module's call sites, or undefined when they cannot be read. */
export type CallSiteSource = (module: string) => CallSites | undefined;

/**
 * objdumpCallSites disassembles each module once; a missing objdump, an unreadable or huge
 * module, or a timeout leave that module without call sites (stacks stay as sampled).
 */
export function objdumpCallSites(objdump = 'objdump'): CallSiteSource {
  const cache = new Map<string, CallSites | undefined>();
  return (module) => {
    if (cache.has(module)) return cache.get(module);
    let sites: CallSites | undefined;
    try {
      if (statSync(module).size <= MAX_MODULE_BYTES) {
        const out = spawnSync(objdump, ['-d', '--no-show-raw-insn', module], {
          encoding: 'latin1',
          timeout: OBJDUMP_TIMEOUT_MS,
          maxBuffer: OBJDUMP_MAX_BUFFER,
        });
        if (out.status === 0) sites = parseCallSites(out.stdout);
        if (sites) addDynamicSymbols(sites, module, objdump);
      }
    } catch {
      sites = undefined;
    }
    cache.set(module, sites);
    return sites;
  };
}

/**
 * addDynamicSymbols adds every exported alias (`fflush` and `_IO_fflush` share an address;
 * objdump labels it with one of them), from the nm that sits beside objdump.
 */
function addDynamicSymbols(sites: CallSites, module: string, objdump: string): void {
  const nm = objdump.replace(/objdump$/, 'nm');
  const out = spawnSync(nm, ['-D', '--defined-only', module], {
    encoding: 'latin1',
    timeout: OBJDUMP_TIMEOUT_MS,
    maxBuffer: OBJDUMP_MAX_BUFFER,
  });
  if (out.status !== 0) return;
  for (const line of out.stdout.split('\n')) {
    const m = /^([0-9a-f]+) [TtWi] (\S+)$/.exec(line);
    if (!m) continue;
    const name = m[2].replace(/@@?[A-Z][\w.]*$/, '');
    if (!sites.symbols.has(name)) sites.symbols.set(name, Number.parseInt(m[1], 16));
  }
}

/**
 * callSiteCallee: what the caller line's call instruction called. perf prints the return
 * address (or one less) of a caller; inlined callers repeat it, and their symbol+offset may be
 * relative to the outermost function, so the printed address is tried first.
 */
function callSiteCallee(caller: StackLine, sites: CallSites): string | undefined {
  const direct = sites.callees.get(caller.address);
  if (direct !== undefined) return direct;
  if (caller.symbol === undefined) return undefined;
  const start = sites.symbols.get(caller.symbol);
  return start === undefined ? undefined : sites.callees.get(start + caller.offset);
}

/**
 * isSameFunction: the library frame next to the caller is the callee itself, under an alias
 * (`__GI___libc_malloc` for malloc, `__regexec` for regexec) or at the callee's address.
 */
function isSameFunction(callee: string, frame: StackLine, library: () => CallSites | undefined): boolean {
  if (frame.symbol === undefined) return false;
  if (libcAliasFree(frame.symbol) === libcAliasFree(callee)) return true;
  const start = library()?.symbols.get(callee);
  return start !== undefined && start === frame.address - frame.offset;
}

function inferredLine(callee: string, module: string): string {
  return `\t${'0'.padStart(16)} ${callee}${INFERRED_MARK}+0x0 (${module})`;
}

/**
 * withInlinedModules: perf marks a frame `(inlined)` when the function was inlined into the
 * frame below it, and sometimes the whole chain at one address; such a frame belongs to the
 * module of the nearest sampled frame leafward (`_IO_new_file_overflow` under libc's write).
 */
function withInlinedModules(parsed: Array<StackLine | undefined>): Array<StackLine | undefined> {
  let module: string | undefined;
  return parsed.map((line) => {
    if (!line) return line;
    if (line.module !== 'inlined') {
      module = line.module;
      return line;
    }
    return module === undefined ? line : { ...line, module };
  });
}

/**
 * withCallSiteFrames inserts the function a program frame called where the stack shows
 * another function of the library at that point (a tail call, or an unwinder that lost the
 * frame). `lines` are one sample's frame lines, leaf first, as perf script prints them.
 */
export function withCallSiteFrames(lines: string[], source: CallSiteSource): string[] {
  const parsed = withInlinedModules(lines.map(parseStackLine));
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    out.push(lines[i]);
    const callee = parsed[i];
    const caller = parsed[i + 1];
    if (!callee || !caller || callee.module === caller.module) continue;
    if (!isElfPath(callee.module) || !isElfPath(caller.module)) continue;
    const sites = source(caller.module);
    if (!sites) continue;
    const called = callSiteCallee(caller, sites);
    if (called === undefined) continue;
    if (isSameFunction(called, callee, () => source(callee.module))) continue;
    out.push(inferredLine(called, callee.module));
  }
  return out;
}

/**
 * withLeafwardModules gives a frame perf could only print as `(inlined)` (a whole inline chain
 * at one address, no real frame there: glibc's `__GI___libc_free` above `_int_free`) the module
 * of the nearest sampled user frame leafward, which is where its callee runs, so the library
 * owns its inlined entry points too. Kernel frames lend no module to user code.
 */
export function withLeafwardModules(lines: string[]): string[] {
  let module: string | undefined;
  return lines.map((line) => {
    const m = FRAME_LINE.exec(line);
    if (!m) return line;
    if (m[3] !== 'inlined') {
      module = isElfPath(m[3]) ? m[3] : undefined;
      return line;
    }
    return module === undefined ? line : line.replace(/\(inlined\)\s*$/, `(${module})`);
  });
}

/**
 * withModuleOffsets names an unresolved frame of a file by its module and address
 * (`grep+0x1a2b`), so the frames of a stripped binary stay apart instead of all reading
 * `[grep]`. The trailing `+0x0` is the offset perf-script readers strip.
 */
export function withModuleOffsets(lines: string[]): string[] {
  return lines.map((line) => {
    const m = /^(\s+)([0-9a-fA-F]+)(\s+)\[unknown\](\s+)\(([^()]*)\)\s*$/.exec(line);
    if (!m || !isElfPath(m[5])) return line;
    const offset = Number.parseInt(m[2], 16).toString(16);
    return `${m[1]}${m[2]}${m[3]}${basename(m[5])}+0x${offset}+0x0${m[4]}(${m[5]})`;
  });
}
