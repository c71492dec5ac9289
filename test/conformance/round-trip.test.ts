import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { AutoprofError, UnknownFormatError } from '../../src/errors.js';
import { exporterFor, importProfileBytes, sniffFormat } from '../../src/formats/index.js';
import { maybeGunzip } from '../../src/io/decompress.js';
import { mergeProfiles } from '../../src/model/merge.js';
import type { Profile } from '../../src/model/profile.js';
import { defaultSampleTypeIndex } from '../../src/model/profile.js';
import { selectSampleType } from '../../src/model/select.js';
import { profileProblems } from '../../src/model/validate.js';
import { corporaSkipReason, corpusPath } from '../corpora.js';
import { corpusProfileInputs } from '../corpus-inputs.js';
import { foldedOf } from '../profile-helpers.js';

/**
 * Every importable corpus file round-trips: import, export to pprof, import again gives the same
 * stacks and values for every sample type. The other exporters round-trip the default type.
 */
test('every importable corpus file round-trips through pprof', (t) => {
  const skip = corporaSkipReason();
  if (skip) return t.skip(skip);
  const perFormat = new Map<string, { ok: number; files: number }>();
  const unsupported: string[] = [];
  const failures: string[] = [];
  for (const rel of corpusProfileInputs(8 * 1024 * 1024)) {
    const raw = readFileSync(corpusPath(rel));
    let profiles: Profile[];
    let format = 'unknown';
    try {
      format = sniffFormat(maybeGunzip(raw, rel))?.name ?? 'unknown';
      profiles = importProfileBytes(raw, { source: rel });
    } catch (err) {
      if (err instanceof UnknownFormatError) unsupported.push(rel);
      else failures.push(`${rel}: import failed: ${(err as Error).message}`);
      continue;
    }
    const counts = perFormat.get(format) ?? { ok: 0, files: 0 };
    counts.files++;
    perFormat.set(format, counts);
    const problems = profiles.flatMap((p) => profileProblems(p));
    if (problems.length > 0) {
      failures.push(`${rel}: invalid profile: ${problems.slice(0, 3).join('; ')}`);
      continue;
    }
    const profile = profiles.length === 1 ? profiles[0] : mergeProfiles(profiles);
    const errors = [
      roundTripError(profile, rel),
      ...['speedscope', 'collapsed', 'flamebearer'].map((f) => defaultTypeRoundTripError(profile, rel, f)),
    ].filter((e) => e !== undefined);
    if (errors.length > 0) failures.push(...errors);
    else counts.ok++;
  }
  const summary = [...perFormat].map(([f, c]) => `${f} ${c.ok}/${c.files}`).join(', ');
  t.diagnostic(`round-trip per format: ${summary}; not a supported format: ${unsupported.length}`);
  process.stderr.write(
    `round-trip per format: ${summary}\nnot a supported format (${unsupported.length}): ${unsupported.join(', ')}\n`,
  );
  assert.deepEqual(failures, []);
});

/**
 * defaultTypeRoundTripError exports the default sample type to a single-type format and back.
 * Collapsed text cannot hold an empty stack, so those are left out of its comparison.
 */
function defaultTypeRoundTripError(profile: Profile, rel: string, format: string): string | undefined {
  const typeIndex = defaultSampleTypeIndex(profile);
  try {
    // Folded text separates frames with ';' and samples with newlines; names holding those (or
    // NUL, which makes the file binary) cannot be carried, e.g. Pyroscope's invalid_utf8 sample.
    if (format === 'collapsed' && profile.functions.some((f) => /[;\n\r\0]/.test(f.name))) return undefined;
    const expected = foldedOf(profile, typeIndex).filter(
      (line) => format !== 'collapsed' || !line.startsWith(' '),
    );
    // Nothing to carry: an all-zero default type exports as an empty file, which is no profile.
    if (expected.length === 0) return undefined;
    const single = selectSampleType(profile, typeIndex);
    const again = importProfileBytes(exporterFor(format).exportProfile(single), {
      source: `${rel} (${format})`,
    });
    const merged = again.length === 1 ? again[0] : mergeProfiles(again);
    assert.deepEqual(foldedOf(merged, 0), expected);
  } catch (err) {
    if (err instanceof AutoprofError || err instanceof assert.AssertionError) {
      return `${rel}: ${format} round trip differs: ${(err as Error).message.split('\n')[0]}`;
    }
    throw err;
  }
  return undefined;
}

function roundTripError(profile: Profile, rel: string): string | undefined {
  try {
    const again = importProfileBytes(exporterFor('pprof').exportProfile(profile), {
      source: `${rel} (pprof)`,
    });
    assert.equal(again.length, 1);
    assert.deepEqual(again[0].sampleTypes, profile.sampleTypes);
    for (let i = 0; i < profile.sampleTypes.length; i++) {
      assert.deepEqual(foldedOf(again[0], i), foldedOf(profile, i), `sample type ${i}`);
    }
  } catch (err) {
    if (err instanceof AutoprofError || err instanceof assert.AssertionError) {
      return `${rel}: pprof round trip differs: ${(err as Error).message.split('\n')[0]}`;
    }
    throw err;
  }
  return undefined;
}
