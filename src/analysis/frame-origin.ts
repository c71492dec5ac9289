/**
 * FrameOrigin says whose code a frame is: the program's own, a third-party library, the
 * language runtime or standard library, or the kernel. Findings and diffs attribute cost to the
 * nearest own frame, because that is the code a user can change (the function that calls
 * re.compile, not re.compile).
 */
export type FrameOrigin = 'own' | 'library' | 'runtime' | 'kernel';

const KERNEL_NAME =
  /_\[k\]$|^\[kernel\.kallsyms\]|^(entry_SYSCALL|do_syscall|__x64_sys_|__arm64_sys_|el0_svc)/;
const KERNEL_FILE = /^\[kernel\.kallsyms\]|vmlinux/;

const LIBRARY_FILE =
  /(^|[\\/])(node_modules|site-packages|dist-packages|\.m2|\.gradle|\.cargo[\\/]registry|pkg[\\/]mod|vendor)[\\/]/;

// autoprof's own Node preload runs inside the target but is never the program's code.
const RUNTIME_FILE =
  /autoprof-node-preload[^\\/]*$|^(node:|internal[\\/]|<frozen |<built-in>|<string>$)|[\\/]lib[\\/]python\d(\.\d+)?[\\/](?!site-packages|dist-packages)|(^|[\\/])(libc|libm|libpthread|ld-linux[^\\/]*|libstdc\+\+|libgcc_s|libjvm|libnode|libpython[^\\/]*)(\.so|-)|[\\/](usr[\\/]lib[\\/]jvm|jdk[^\\/]*[\\/]lib)[\\/]|^\[(vdso|unknown|anon|heap|stack)/;

// Names that only runtimes produce: V8 pseudo-frames, JVM and Go runtime packages, C library.
// Go's standard library: import paths whose first element has no dot (regexp/syntax,
// encoding/json, net/http); third-party paths start with a domain and main is the program.
const GO_STDLIB_NAME = /^(?!main[./])[a-z][a-z0-9]*(\/[a-z0-9_]+)+\./;

const RUNTIME_NAME =
  /^\((root|program|idle|garbage collector|anonymous)\)$|^(__lll_|lll_|_*pthread_|__futex|__GI_|__sched_|epoll_wait$|nanosleep$|clock_nanosleep$)|^(Builtin:|Bytecode|Stub:|RegExp:|Runtime_|v8::|node::|uv_|__libc_|_start$|start_thread$|clone3?$)|^(java|javax|jdk|sun|com\.sun)[./]|^(runtime|syscall|reflect|internal\/|sync|strings|fmt|regexp|encoding\/|bytes|sort|strconv|os|io)\.|^(malloc|free|calloc|realloc|memcpy|memmove|memset|__memcpy|__memmove|__memset|strlen|pthread_|futex|__GI_|_int_malloc|_int_free)|^<(module|listcomp|genexpr|dictcomp|lambda)>$/;

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
    if (RUNTIME_FILE.test(file)) return 'runtime';
    // An unnamed function in the program's own file (a callback, a module's top level) is the
    // program's code; only the runtime's unnamed frames carry no file.
    if (ANONYMOUS.test(name)) return 'own';
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

// Node's module loader, entry point and event loop, as V8 names them in every Node profile.
const NODE_INTERNAL_NAME =
  /^(evaluate|run|runMain|executeUserEntryPoint|runEntryPointWithESMLoader|asyncRunEntryPointWithESMLoader|handleMainPromise|moduleEvaluation|import|require|wrapModuleLoad|processTicksAndRejections|runMicrotasks|listOnTimeout|processTimers|processImmediate|emit|emitHook|onStreamRead|runInThisContext|consoleCall|log|value|getModuleJobForImport|observerCallback)$|^Module\._|^(Readable|Writable|Socket|Server|EventEmitter)\./;

/**
 * functionOrigins classifies every function of a profile (index = function id - 1), using what
 * the whole profile says about its source (see isV8Profile) on top of frameOrigin.
 */
export function functionOrigins(
  functions: ReadonlyArray<{ name: string; filename: string; startLine: number }>,
): FrameOrigin[] {
  // A profile that carries no file at all (names only: folded stacks, a server's stored stacks)
  // cannot tell builtins by a missing script; its bare names are judged by name alone, and in a
  // Node profile the loader's and event loop's own function names are the runtime's.
  const namesOnly = !functions.some((f) => f.filename !== '');
  const v8 = isV8Profile(functions) && !namesOnly;
  const nodeNamesOnly = namesOnly && isV8Profile(functions);
  return functions.map((f) => {
    const o = frameOrigin(f.name, f.filename);
    if (nodeNamesOnly && o === 'own' && NODE_INTERNAL_NAME.test(f.name)) return 'runtime';
    if (v8 && o === 'own' && !f.filename && f.startLine <= 0) return 'runtime';
    return o;
  });
}
