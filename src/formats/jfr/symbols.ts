/**
 * JVM-generated class and library names that change from run to run (reflection accessors,
 * lambda classes, native libraries unpacked to /tmp with a random suffix). Merging them into
 * one stable name keeps flame graphs and diffs comparable across runs; the rewrite rules and
 * their replacements follow grafana/jfr-parser so profiles match what Pyroscope shows.
 */
const rewrites: ReadonlyArray<readonly [RegExp, string]> = [
  // jdk/internal/reflect/GeneratedMethodAccessor31 -> jdk/internal/reflect/GeneratedMethodAccessor_
  [/^(jdk\/internal\/reflect\/GeneratedMethodAccessor)\d+$/, '$1_'],
  // Foo$$Lambda$669.0x0000000800fd7318, Foo$$Lambda.0x00007ffa600c4da0, Foo$$Lambda$12/0x1 -> Foo$$Lambda_
  [/^(.+\$\$Lambda)(?:\$?\d*[./](?:0x)?[\da-f]+|\d+)$/, '$1_'],
  // libzstd-jni-1.5.1-16931311898282279136.so -> libzstd-jni-_.so
  [/^(?:\.?\/tmp\/)?libzstd-jni-\d+\.\d+\.\d+-\d+\.so(?: \(deleted\))?$/, 'libzstd-jni-_.so'],
  // ./tmp/libamazonCorrettoCryptoProvider109b39cf33c563eb.so (and the NativeLibraries.<hex>/ form)
  [
    /^(?:\.?\/tmp\/)?(?:lib)?amazonCorrettoCryptoProvider(?:NativeLibraries\.)?[0-9a-f]{16}(?:\/libcrypto|\/libamazonCorrettoCryptoProvider)?\.so(?: \(deleted\))?$/,
    'libamazonCorrettoCryptoProvider_.so',
  ],
  // the async-profiler library the Pyroscope Java agent unpacks
  [
    /^(?:\.?\/tmp\/)?libasyncProfiler-(?:linux-arm64|linux-musl-x64|linux-x64|macos)-17b9a1d8156277a98ccc871afa9a8f69215f92\.so(?: \(deleted\))?$/,
    'libasyncProfiler-_.so',
  ],
];

/** mergeGeneratedName rewrites one symbol (a class or library name) to its stable form. */
export function mergeGeneratedName(symbol: string): string {
  let out = symbol;
  for (const [pattern, replacement] of rewrites) out = out.replace(pattern, replacement);
  return out;
}
