import { splitEmbeddedFileNames } from '../model/embedded-frames.js';
import type { Profile } from '../model/profile.js';
import { attachHotspots } from './attach-hotspots.js';
import { classify } from './classify.js';
import { DETECTORS } from './detectors/index.js';
import type { DiagnosisInput } from './features/diagnosis-input.js';
import type { Metrics } from './features/metrics.js';
import { diagnosisInputOfProfile } from './features.js';
import { type Classification, type Finding, rankFindings } from './findings.js';
import { loadPatterns } from './patterns/loader.js';
import { matchPattern } from './patterns/match.js';
import type { Pattern } from './patterns/schema.js';

/** Diagnosis is the classification and the ranked findings of one input. */
export interface Diagnosis {
  classification: Classification;
  findings: Finding[];
}

/** DiagnoseOptions: the patterns to use (default: the built-in knowledge base) and verify hint. */
export interface DiagnoseOptions {
  patterns?: Pattern[];
  verifyHint?: string;
}

/**
 * diagnose runs every pattern and detector over the input, dedupes and ranks the findings, and
 * classifies the run. A pattern or detector that throws is a bug; it is reported as an error
 * rather than hidden, so tests catch it.
 */
export function diagnose(input: DiagnosisInput, options: DiagnoseOptions = {}): Diagnosis {
  const patterns = options.patterns ?? loadPatterns().patterns;
  const verifyHint = options.verifyHint ?? '';
  const found: Finding[] = [];
  for (const p of patterns) found.push(...matchPattern(p, input, { verifyHint }));
  for (const d of DETECTORS) found.push(...d.detect(input, { verifyHint }));
  const findings = attachHotspots(rankFindings(found), input);
  return { classification: classify(input, findings), findings };
}

/**
 * diagnoseProfile diagnoses a Profile alone (for the server's time ranges): the sample types
 * present become views, optional metrics add what /proc would have said.
 */
export function diagnoseProfile(
  profile: Profile,
  metrics: Partial<Metrics> = {},
  options: DiagnoseOptions = {},
): Diagnosis {
  return diagnose(diagnosisInputOfProfile(splitEmbeddedFileNames(profile), metrics), options);
}
