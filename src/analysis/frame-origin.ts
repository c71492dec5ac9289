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

const RUNTIME_FILE =
  /^(node:|internal[\\/]|<frozen |<built-in>|<string>$)|[\\/]lib[\\/]python\d(\.\d+)?[\\/](?!site-packages|dist-packages)|(^|[\\/])(libc|libm|libpthread|ld-linux[^\\/]*|libstdc\+\+|libgcc_s|libjvm|libnode|libpython[^\\/]*)(\.so|-)|[\\/](usr[\\/]lib[\\/]jvm|jdk[^\\/]*[\\/]lib)[\\/]|^\[(vdso|unknown|anon|heap|stack)/;

// Names that only runtimes produce: V8 pseudo-frames, JVM and Go runtime packages, C library.
// Go's standard library: import paths whose first element has no dot (regexp/syntax,
// encoding/json, net/http); third-party paths start with a domain and main is the program.
const GO_STDLIB_NAME = /^(?!main[./])[a-z][a-z0-9]*(\/[a-z0-9_]+)+\./;

const RUNTIME_NAME =
  /^\((root|program|idle|garbage collector|anonymous)\)$|^(__lll_|lll_|__pthread|__futex|__GI_|__sched_|epoll_wait$|nanosleep$|clock_nanosleep$)|^(Builtin:|Bytecode|Stub:|RegExp:|Runtime_|v8::|node::|uv_|__libc_|_start$|start_thread$|clone3?$)|^(java|javax|jdk|sun|com\.sun)[./]|^(runtime|syscall|reflect|internal\/|sync|strings|fmt|regexp|encoding\/|bytes|sort|strconv|os|io)\.|^(malloc|free|calloc|realloc|memcpy|memmove|memset|__memcpy|__memmove|__memset|strlen|pthread_|futex|__GI_|_int_malloc|_int_free)|^<(module|listcomp|genexpr|dictcomp|lambda)>$/;

/**
 * frameOrigin classifies a frame by its function name and file (either may be empty). The rules
 * prefer the file when there is one, since names are ambiguous across languages.
 */
export function frameOrigin(name: string, file: string): FrameOrigin {
  if (KERNEL_NAME.test(name) || KERNEL_FILE.test(file)) return 'kernel';
  if (file) {
    if (LIBRARY_FILE.test(file)) return 'library';
    if (RUNTIME_FILE.test(file)) return 'runtime';
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
