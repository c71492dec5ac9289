import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/**
 * FramePackage names the package a frame's code ships in: an npm package, a Python
 * distribution, a Debian package, a shared object or a Java package. `version` is set where the
 * installed files say it (package.json, *.dist-info / *.egg-info, dpkg).
 */
export interface FramePackage {
  name: string;
  version?: string;
}

const cache = new Map<string, FramePackage | undefined>();

/** packageOfFrame looks up the package of a frame (cached per file; never throws). */
export function packageOfFrame(name: string, file: string): FramePackage | undefined {
  if (!file) return javaPackage(name);
  const path = file.startsWith('file://') ? decodeURIComponent(file.slice(7)) : file;
  if (cache.has(path)) return cache.get(path);
  let found: FramePackage | undefined;
  try {
    found = npmPackage(path) ?? pythonPackage(path) ?? pythonStdlib(path) ?? sharedObject(path);
  } catch {
    found = undefined;
  }
  cache.set(path, found);
  return found;
}

// The innermost node_modules segment wins: nested copies have their own versions.
const NODE_MODULES = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/g;

function npmPackage(path: string): FramePackage | undefined {
  let pkgDir = '';
  let pkgName = '';
  for (const m of path.matchAll(NODE_MODULES)) {
    pkgName = m[1];
    pkgDir = path.slice(0, (m.index ?? 0) + m[0].length - 1);
  }
  if (!pkgName) return undefined;
  const manifest = join(pkgDir, 'package.json');
  if (!existsSync(manifest)) return { name: pkgName };
  const json = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
  return { name: json.name ?? pkgName, ...(json.version ? { version: json.version } : {}) };
}

const SITE_DIR = /^(.*[\\/](?:site|dist)-packages)[\\/]([^\\/]+)/;

function pythonPackage(path: string): FramePackage | undefined {
  const m = SITE_DIR.exec(path);
  if (!m) return undefined;
  const site = m[1];
  const top = m[2].replace(/\.py$|\.cpython-[^.]*\.so$|\.so$/, '');
  const meta = distributionOf(site, top);
  if (meta) return meta;
  // Debian's python3-* packages: dpkg knows the file.
  const deb = debianPackageOf(path);
  return deb ?? { name: top };
}

/** distributionOf finds the *.dist-info / *.egg-info whose top-level module is `top`. */
function distributionOf(site: string, top: string): FramePackage | undefined {
  const entries = readdirSync(site);
  const norm = (s: string) => s.toLowerCase().replace(/[-_.]+/g, '_');
  const infos = entries.filter((e) => /\.(dist|egg)-info$/.test(e));
  const byName = infos.find((e) => norm(e.replace(/-[^-]*\.(dist|egg)-info$/, '')) === norm(top));
  const chosen =
    byName ??
    infos.find((e) => {
      const tl = join(site, e, 'top_level.txt');
      return existsSync(tl) && readFileSync(tl, 'utf8').split(/\r?\n/).includes(top);
    });
  if (!chosen) return undefined;
  const metaFile = ['METADATA', 'PKG-INFO'].map((f) => join(site, chosen, f)).find((f) => existsSync(f));
  const text = metaFile ? readFileSync(metaFile, 'utf8') : '';
  const name = /^Name:\s*(.+)$/m.exec(text)?.[1]?.trim() ?? chosen.replace(/-[^-]*\.(dist|egg)-info$/, '');
  const version =
    /^Version:\s*(.+)$/m.exec(text)?.[1]?.trim() ?? /-([^-]+)\.(dist|egg)-info$/.exec(chosen)?.[1];
  return { name, ...(version ? { version } : {}) };
}

const STDLIB = /[\\/]lib[\\/](python\d(?:\.\d+)?)[\\/]/;

// CPython 3.11+ runs its startup modules (os, posixpath, genericpath, importlib) frozen into the
// interpreter: their frames carry `<frozen posixpath>` instead of a file, and only the stdlib
// is frozen.
const FROZEN = /^<frozen [\w.]+>$/;

function pythonStdlib(path: string): FramePackage | undefined {
  if (FROZEN.test(path)) return { name: 'python-stdlib' };
  const m = STDLIB.exec(path);
  if (!m) return undefined;
  return { name: 'python-stdlib', version: m[1].replace(/^python/, '') };
}

function sharedObject(path: string): FramePackage | undefined {
  if (!/\.so(\.\d+)*$/.test(path) || !path.startsWith('/')) return undefined;
  return debianPackageOf(path) ?? { name: basename(path) };
}

/**
 * debianPackageOf asks dpkg which package installed a file and at which version (one short
 * call per file, cached by the caller). Library symlinks are resolved by dpkg's own database
 * lookups on both the given path and the /usr-merged alternative.
 */
function debianPackageOf(path: string): FramePackage | undefined {
  if (!path.startsWith('/') || !existsSync('/var/lib/dpkg/status')) return undefined;
  for (const candidate of [
    path,
    path.replace(/^\/usr\/lib\//, '/lib/'),
    path.replace(/^\/lib\//, '/usr/lib/'),
  ]) {
    const owner = run('dpkg-query', ['-S', candidate]);
    const pkg = owner?.split(':')[0]?.split(',')[0]?.trim();
    if (!pkg) continue;
    const version = run('dpkg-query', ['-W', `-f=\${Version}`, pkg])?.trim();
    return { name: pkg, ...(version ? { version } : {}) };
  }
  return undefined;
}

function run(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

// JFR and perf-map frames name a Java class and method but no file: the package is the name's
// dotted (or slashed) prefix before the class.
const JAVA_NAME = /^((?:[a-z_][\w]*[./])+)[A-Z][\w$]*[.:]/;

function javaPackage(name: string): FramePackage | undefined {
  const m = JAVA_NAME.exec(name);
  if (!m) return undefined;
  return { name: m[1].replace(/[./]$/, '').replace(/\//g, '.') };
}
