/**
 * Frame origin: whose code a frame is. This file is the one place the rules live; README
 * ("Frame origin") repeats them for users.
 *
 * FrameOrigin is the coarse answer analysis attributes cost with: the program's own code, a
 * third-party library, the language runtime or standard library, or the kernel. Findings and
 * diffs put their `location` at the nearest own frame, because that is the code a user can change
 * (the function that calls re.compile, not re.compile); HotspotOrigin (below) then names what
 * below it is slow.
 *
 * Rules, first match wins, the file preferred over the name since names are ambiguous across
 * languages:
 * - kernel: perf's `_[k]` frames, `[kernel.kallsyms]`, vmlinux, syscall entry symbols.
 * - library: node_modules, site-packages, dist-packages, Maven/Gradle/Cargo/Go module caches,
 *   vendor/; and shared objects (`*.so*`) that are not the runtime's (libfoo.so.1, _sre.so).
 * - runtime: Node internals (`node:*`, V8 builtins without a script), Python's stdlib directory
 *   (lib/pythonX.Y outside site-packages), `<frozen ...>`, the interpreters' own executables
 *   (python3.11, node, java), libc/libm/libpthread/ld.so/libstdc++/libjvm/libnode/libpython,
 *   JDK classes (java., javax., jdk., sun., com.sun.), Go's standard library, V8/JVM
 *   pseudo-frames, `<lambda>` and comprehensions (their enclosing function names the code).
 * - own: everything else, including `<module>` (a script's top level) of the program's own
 *   files and anonymous functions that carry a file.
 */
export type FrameOrigin = 'own' | 'library' | 'runtime' | 'kernel';

const KERNEL_NAME =
  /_\[k\]$|^\[kernel\.kallsyms\]|^(entry_SYSCALL|do_syscall|__x64_sys_|__arm64_sys_|el0_svc)/;
const KERNEL_FILE = /^\[kernel\.kallsyms\]|vmlinux/;

const LIBRARY_FILE =
  /(^|[\\/])(node_modules|site-packages|dist-packages|\.m2|\.gradle|\.cargo[\\/]registry|pkg[\\/]mod|vendor)[\\/]/;

// A shared object the program loads: system libraries and Python's C extensions. The runtime's
// own libraries (libc, libpython, ...) are caught by RUNTIME_FILE first.
const SHARED_OBJECT = /\.so(\.\d+)*$|\.cpython-[^\\/]*\.so$/;

// The interpreters themselves, as perf names their executable.
const INTERPRETER_FILE = /(^|[\\/])(python\d?(\.\d+)?[dmu]*|node|nodejs|java|pypy\d?(\.\d+)?)$/;

// autoprof's own Node preload runs inside the target but is never the program's code.
const RUNTIME_FILE =
  /autoprof-node-preload[^\\/]*$|^(node:|internal[\\/]|<frozen |<built-in>|<string>$)|[\\/]lib[\\/]python\d(\.\d+)?[\\/](?!site-packages|dist-packages)|(^|[\\/])(libc|libm|libpthread|ld-linux[^\\/]*|libstdc\+\+|libgcc_s|libjvm|libnode|libpython[^\\/]*)(\.so|-)|[\\/](usr[\\/]lib[\\/]jvm|jdk[^\\/]*[\\/]lib)[\\/]|^\[(vdso|unknown|anon|heap|stack)/;

// Names that only runtimes produce: V8 pseudo-frames, JVM and Go runtime packages, C library.
// Go's standard library: import paths whose first element has no dot (regexp/syntax,
// encoding/json, net/http); third-party paths start with a domain and main is the program.
const GO_STDLIB_NAME = /^(?!main[./])[a-z][a-z0-9]*(\/[a-z0-9_]+)+\./;

const RUNTIME_NAME =
  /^\((root|program|idle|garbage collector|anonymous)\)$|^(__lll_|lll_|_*pthread_|__futex|__GI_|__sched_|epoll_wait$|nanosleep$|clock_nanosleep$)|^(Builtin:|Bytecode|Stub:|RegExp:|Runtime_|v8::|node::|uv_|__libc_|_start$|start_thread$|clone3?$)|^(java|javax|jdk|sun|com\.sun)[./]|^(runtime|syscall|reflect|internal\/|sync|strings|fmt|regexp|encoding\/|bytes|sort|strconv|os|io)\.|^(malloc|free|calloc|realloc|memcpy|memmove|memset|__memcpy|__memmove|__memset|strlen|pthread_|futex|__GI_|_int_malloc|_int_free)|^<(module|listcomp|genexpr|dictcomp|setcomp|lambda)>$/;

// Python's <lambda> and comprehensions stay the runtime's: the enclosing function (their
// caller) is the better name for the same code.
const ANONYMOUS = /^\(anonymous\)$/;

/**
 * frameOrigin classifies a frame by its function name and file (either may be empty). The rules
 * prefer the file when there is one, since names are ambiguous across languages.
 */
export function frameOrigin(name: string, file: string): FrameOrigin {
  if (KERNEL_NAME.test(name) || KERNEL_FILE.test(file)) return 'kernel';
  if (file) {
    if (LIBRARY_FILE.test(file)) return 'library';
    if (RUNTIME_FILE.test(file) || INTERPRETER_FILE.test(file)) return 'runtime';
    if (SHARED_OBJECT.test(file)) return 'library';
    // An unnamed function in the program's own file (a callback, a module's top level) is the
    // program's code; only the runtime's unnamed frames carry no file. A Python script's top
    // level (`<module>` of a file of the program) is the program's code too: it has no
    // enclosing function to stand for it.
    if (ANONYMOUS.test(name) || name === '<module>') return 'own';
  }
  if (RUNTIME_NAME.test(name) || GO_STDLIB_NAME.test(name)) return 'runtime';
  // Python frames rendered as "func (file:line)" by samplers carry their file in the name.
  const embedded = /\(([^()]+):\d+\)$/.exec(name);
  if (embedded && !file) return frameOrigin(name.slice(0, embedded.index).trim(), embedded[1]);
  return 'own';
}

/** isOwnFrame is frameOrigin(...) === 'own'. */
export function isOwnFrame(name: string, file: string): boolean {
  return frameOrigin(name, file) === 'own';
}

/**
 * V8 names its builtins and Node's C++ bindings (`evaluate`, `next`, `consoleCall`, `fsync`)
 * like JavaScript functions but gives them no script and no line; the same bare name from perf
 * or a Go profile is the program's own. So in a profile with V8 frames, a frame without file
 * and line is the runtime's.
 */
function isV8Profile(functions: ReadonlyArray<{ name: string; filename: string }>): boolean {
  return functions.some(
    (f) => /^(node:|file:\/\/)/.test(f.filename) || /^\((program|garbage collector)\)$/.test(f.name),
  );
}

/**
 * functionOrigins classifies every function of a profile (index = function id - 1), using what
 * the whole profile says about its source (see isV8Profile) on top of frameOrigin.
 */
export function functionOrigins(
  functions: ReadonlyArray<{ name: string; filename: string; startLine: number }>,
): FrameOrigin[] {
  const v8 = isV8Profile(functions);
  return functions.map((f) => {
    const o = frameOrigin(f.name, f.filename);
    if (v8 && o === 'own' && !f.filename && f.startLine <= 0) return 'runtime';
    return o;
  });
}

/**
 * HotspotOrigin is the finer answer a finding's `hotspot` reports for a frame outside the
 * program: a third-party package (`dependency`), a shared object's native code (`native-lib`,
 * the C library included), the language runtime or standard library (`runtime`), or the kernel.
 */
export type HotspotOrigin = 'dependency' | 'runtime' | 'native-lib' | 'kernel';

/** hotspotOrigin refines frameOrigin for a non-own frame; undefined for the program's own. */
export function hotspotOrigin(name: string, file: string): HotspotOrigin | undefined {
  const o = frameOrigin(name, file);
  if (o === 'own') return undefined;
  if (o === 'kernel') return 'kernel';
  if (SHARED_OBJECT.test(file) && !INTERPRETER_FILE.test(file) && !/libjvm|libnode|libpython/.test(file))
    return 'native-lib';
  return o === 'library' ? 'dependency' : 'runtime';
}
