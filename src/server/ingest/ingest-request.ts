import { AutoprofError, FormatError, InputLimitError, UnknownFormatError } from '../../errors.js';
import { parseCollapsedLine } from '../../formats/collapsed.js';
import { decodeLabelsSnapshot } from '../../formats/jfr/labels.js';
import { importFromJfr } from '../../formats/jfr.js';
import { importPprof } from '../../formats/pprof.js';
import { INGEST_PPROF_LIMITS } from '../../formats/pprof-limits.js';
import { speedscopeImporter } from '../../formats/speedscope.js';
import { maybeGunzip } from '../../io/decompress.js';
import type { Profile } from '../../model/profile.js';
import { defaultSampleTypeIndex, frameNamesRootFirst } from '../../model/profile.js';
import { formatProfileTypeId, legacyTypeOf } from '../profile-type.js';
import { validTimeNanos } from '../query/query-limits.js';
import { parseSelector, SelectorSyntaxError } from '../store/label-matchers.js';
import { StoreBusyError } from '../store/store-busy.js';
import type { ProfileWrite, SeriesLabels } from '../store/types.js';
import { PROFILE_TYPE_LABEL, SERVICE_NAME_LABEL } from '../store/types.js';
import { truncateStack } from './ingest-limits.js';
import { type FormPart, MultipartError, multipartBoundary, parseMultipart } from './multipart.js';
import { pprofMetricName, profileToSeries, type SampleTypeConfig } from './profile-to-series.js';
import type { PushSeries } from './push-request.js';
import { LabelLimitError, sanitizeLabelName, validateSeriesLabels } from './series-labels.js';
import { parseTimeParam } from './time-param.js';
import { decodeTree, type Stacks } from './tree-format.js';
import { decodeTrie } from './trie-format.js';

/**
 * Pyroscope's legacy ingest API, `POST /ingest` (also under `/pyroscope/ingest`):
 *
 *     ?name=app.suffix{k=v,...}   the app (service_name), the profile type suffix, tags
 *     &from=&until=               seconds, ms, µs or ns by digit count, or now-1h (default: now)
 *     &format=folded|lines|pprof|jfr|speedscope|trie|tree
 *         (default: `Content-Type: binary/octet-stream+trie` or `+tree` names trie or tree, as
 *         older agents send; a multipart body means pprof; anything else folded)
 *     &sampleRate=100&spyName=gospy&units=samples&aggregationType=sum
 *
 * Bodies: folded `a;b;c 12` lines; `lines` (one stack per line, weight 1); pprof raw, gzipped or
 * as a form with `profile` (+ `sample_type_config` JSON; `prev_profile` is refused as Pyroscope
 * does); JFR raw or as a form with `jfr` and `labels` (a LabelsSnapshot protobuf); speedscope JSON;
 * trie and tree, Pyroscope's binary call trees (layouts in trie-format.ts and tree-format.ts).
 * Answers, as Pyroscope: 200, 400 bad metadata, 413 too large, 422 unparseable, 429 over limits.
 */
export interface IngestInput {
  query: Record<string, string | undefined>;
  contentType?: string;
  body: Uint8Array;
  /** maxDecompressedBytes caps every gunzip of the request. */
  maxDecompressedBytes: number;
  /** maxGzipLayers: nested gzip layers accepted (default 1: a second layer is refused, 413). */
  maxGzipLayers?: number;
  /**
   * chargeDecoded is told the size of every payload before it is decoded (after gunzip), so the
   * server's memory budget can refuse it (StoreBusyError or InputLimitError) before allocation.
   */
  chargeDecoded?: (bytes: number) => void;
  nowNanos?: number;
}

/** IngestError carries the HTTP status the request deserves. */
export class IngestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const SOURCE = 'request body';

/** decodeIngest turns one legacy ingest request into series writes (or throws IngestError). */
export function decodeIngest(input: IngestInput): ProfileWrite[] {
  return classify(() => decodeIngestUnchecked(input));
}

/** decodePushSeries turns the series of one push (already decoded by the Connect layer) into series writes. */
export function decodePushSeries(
  series: readonly PushSeries[],
  input: { maxDecompressedBytes: number; nowNanos?: number; chargeDecoded?: (bytes: number) => void },
): ProfileWrite[] {
  return classify(() => {
    const now = input.nowNanos ?? Date.now() * 1e6;
    const writes: ProfileWrite[] = [];
    for (const s of series) {
      const labels: SeriesLabels = {};
      let metric = '';
      for (const { name, value } of s.labels) {
        if (name === '__name__') {
          metric = value;
          continue;
        }
        const n = name.startsWith('__') ? name : sanitizeLabelName(name);
        if (!n) throw new LabelLimitError(`invalid label name '${name.slice(0, 100)}'`);
        labels[n] = value;
      }
      if (!labels[SERVICE_NAME_LABEL]) labels[SERVICE_NAME_LABEL] = 'unknown_service';
      for (const sample of s.samples) {
        const profile = importPprof(payloadOf(input, sample.rawProfile), SOURCE, INGEST_PPROF_LIMITS);
        const name = metric || pprofMetricName(profile);
        const timeNanos = validTime(profile.timeNanos) ? profile.timeNanos : now;
        writes.push(
          ...profileToSeries(profile, {
            metricName: name,
            labels: { ...labels, __name__: name },
            timeNanos,
            durationNanos: profile.durationNanos,
          }),
        );
      }
    }
    return writes;
  });
}

/** payloadOf gunzips one payload within the request's caps and charges it to the budget. */
function payloadOf(
  input: Pick<IngestInput, 'maxDecompressedBytes' | 'maxGzipLayers' | 'chargeDecoded'>,
  bytes: Uint8Array,
): Uint8Array {
  const out = maybeGunzip(bytes, SOURCE, input.maxDecompressedBytes, input.maxGzipLayers ?? 1);
  input.chargeDecoded?.(out.length);
  return out;
}

function classify(run: () => ProfileWrite[]): ProfileWrite[] {
  try {
    return run();
  } catch (err) {
    if (err instanceof IngestError || err instanceof StoreBusyError) throw err;
    if (err instanceof InputLimitError) throw new IngestError(413, err.message);
    if (
      err instanceof LabelLimitError ||
      err instanceof SelectorSyntaxError ||
      err instanceof MultipartError
    ) {
      throw new IngestError(400, err.message);
    }
    if (err instanceof FormatError || err instanceof UnknownFormatError) {
      throw new IngestError(422, err.message);
    }
    if (err instanceof AutoprofError || err instanceof RangeError || err instanceof SyntaxError) {
      throw new IngestError(422, err.message);
    }
    throw err;
  }
}

interface Metadata {
  appName: string;
  tags: SeriesLabels;
  fromNanos: number;
  untilNanos: number;
  sampleRate: number;
  spyName: string;
  units: string;
}

function readMetadata(input: IngestInput): Metadata {
  const q = input.query;
  const now = input.nowNanos ?? Date.now() * 1e6;
  if (!q.name) throw new IngestError(400, "missing 'name' parameter (app.suffix{k=v})");
  const { head, matchers } = parseSelector(q.name);
  if (head === '') throw new IngestError(400, "'name' has no application name");
  const tags: SeriesLabels = {};
  for (const m of matchers) {
    const n = sanitizeLabelName(m.name);
    if (!n || m.op !== '=') throw new IngestError(400, `invalid tag '${m.name}' in name`);
    if (n === SERVICE_NAME_LABEL || n.startsWith('__')) continue;
    tags[n] = m.value;
  }
  const fromNanos = q.from === undefined ? now : parseTimeParam(q.from, now);
  const untilNanos = q.until === undefined ? now : parseTimeParam(q.until, now);
  if (fromNanos === undefined || !validTimeNanos(fromNanos))
    throw new IngestError(400, `bad 'from': ${q.from?.slice(0, 100)} (a time between 1970 and 2200)`);
  if (untilNanos === undefined || !validTimeNanos(untilNanos))
    throw new IngestError(400, `bad 'until': ${q.until?.slice(0, 100)} (a time between 1970 and 2200)`);
  const sampleRate = q.sampleRate === undefined || q.sampleRate === '' ? 100 : Number(q.sampleRate);
  if (!Number.isFinite(sampleRate) || sampleRate <= 0)
    throw new IngestError(400, `bad 'sampleRate': ${q.sampleRate}`);
  return {
    appName: head,
    tags,
    fromNanos,
    untilNanos: Math.max(untilNanos, fromNanos),
    sampleRate,
    spyName: q.spyName ?? '',
    units: q.units ?? '',
  };
}

function decodeIngestUnchecked(input: IngestInput): ProfileWrite[] {
  const md = readMetadata(input);
  const boundary = multipartBoundary(input.contentType);
  const form = boundary ? parseMultipart(input.body, boundary) : undefined;
  const format = (input.query.format ?? defaultFormat(input.contentType, form !== undefined)).toLowerCase();
  const gunzip = (b: Uint8Array) => payloadOf(input, b);
  switch (format) {
    case 'pprof':
      return ingestPprof(md, form, input.body, gunzip);
    case 'jfr':
      return ingestJfr(md, form, input.body, gunzip);
    case 'folded':
    case 'collapsed':
      return legacyWrites(md, foldedStacks(gunzip(input.body), false));
    case 'lines':
      return legacyWrites(md, foldedStacks(gunzip(input.body), true));
    case 'speedscope': {
      const profiles = speedscopeImporter.importProfiles(gunzip(input.body), { source: SOURCE });
      return legacyWrites(md, profileStacks(profiles), profiles[0]?.sampleTypes[0]?.unit);
    }
    case 'trie':
      return legacyWrites(md, decodeTrie(gunzip(input.body)));
    case 'tree':
      return legacyWrites(md, decodeTree(gunzip(input.body)));
    default:
      throw new IngestError(400, `unknown format '${format}'`);
  }
}

/** defaultFormat: what a request without `format=` carries, judged by its Content-Type. */
function defaultFormat(contentType: string | undefined, multipart: boolean): string {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'binary/octet-stream+trie') return 'trie';
  if (type === 'binary/octet-stream+tree') return 'tree';
  return multipart ? 'pprof' : 'folded';
}

function foldedStacks(bytes: Uint8Array, lines: boolean): Stacks {
  const text = new TextDecoder('utf-8').decode(bytes);
  const out: Stacks = { stacks: [], values: [] };
  let bad = 0;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    if (lines) {
      out.stacks.push(line.split(';'));
      out.values.push(1);
      continue;
    }
    const parsed = parseCollapsedLine(line);
    if (!parsed) {
      bad++;
      continue;
    }
    out.stacks.push(parsed.frames);
    out.values.push(parsed.count);
  }
  if (out.stacks.length === 0 && bad > 0) {
    throw new FormatError('folded', `no valid "stack count" line among ${bad} lines`, SOURCE);
  }
  return out;
}

function profileStacks(profiles: Profile[]): Stacks {
  const out: Stacks = { stacks: [], values: [] };
  for (const p of profiles) {
    const t = defaultSampleTypeIndex(p);
    for (const s of p.samples) {
      out.stacks.push(frameNamesRootFirst(p, s));
      out.values.push(s.values[t]);
    }
  }
  return out;
}

/**
 * legacyWrites stores stacks under the type the app-name suffix names. Sampled types (cpu,
 * wall) arrive as sample counts and are stored as nanoseconds: count * 1e9 / sampleRate.
 */
function legacyWrites(md: Metadata, stacks: Stacks, sourceUnit?: string): ProfileWrite[] {
  const { service, legacy } = legacyTypeOf(md.appName, md.units);
  const factor =
    legacy.sampled && sourceUnit !== legacy.type.sampleType.unit ? Math.round(1e9 / md.sampleRate) : 1;
  const labels: SeriesLabels = {
    ...md.tags,
    [SERVICE_NAME_LABEL]: service,
    __name__: legacy.type.name,
    [PROFILE_TYPE_LABEL]: formatProfileTypeId(legacy.type),
  };
  if (md.spyName) labels.pyroscope_spy = md.spyName;
  validateSeriesLabels(labels);
  if (stacks.stacks.length === 0) return [];
  for (let i = 0; i < stacks.stacks.length; i++) stacks.stacks[i] = truncateStack(stacks.stacks[i]);
  return [
    {
      labels,
      timeNanos: md.fromNanos,
      durationNanos: md.untilNanos - md.fromNanos,
      stacks: stacks.stacks,
      values: stacks.values.map((v) => v * factor),
    },
  ];
}

function baseLabels(md: Metadata, metric: string): SeriesLabels {
  const labels: SeriesLabels = { ...md.tags, [SERVICE_NAME_LABEL]: md.appName, __name__: metric };
  if (md.spyName) labels.pyroscope_spy = md.spyName;
  return labels;
}

function ingestPprof(
  md: Metadata,
  form: Map<string, FormPart> | undefined,
  body: Uint8Array,
  gunzip: (b: Uint8Array) => Uint8Array,
): ProfileWrite[] {
  let bytes = body;
  let config: Record<string, SampleTypeConfig> | undefined;
  if (form) {
    if (form.has('prev_profile')) {
      throw new IngestError(400, 'prev_profile is not supported: update the Pyroscope agent to send deltas');
    }
    const part = form.get('profile');
    if (!part) throw new IngestError(400, "multipart form without a 'profile' field");
    bytes = part.data;
    const st = form.get('sample_type_config');
    if (st) {
      try {
        config = JSON.parse(new TextDecoder().decode(st.data)) as Record<string, SampleTypeConfig>;
      } catch (err) {
        throw new IngestError(400, `sample_type_config is not JSON: ${(err as Error).message}`);
      }
    }
  }
  const profile = importPprof(gunzip(bytes), SOURCE, INGEST_PPROF_LIMITS);
  const metric = pprofMetricName(profile, config);
  // Old agents write 0 or microseconds into time_nanos; Pyroscope then uses `from`.
  const timeNanos = validTime(profile.timeNanos) ? profile.timeNanos : md.fromNanos;
  return profileToSeries(profile, {
    metricName: metric,
    labels: baseLabels(md, metric),
    timeNanos,
    durationNanos: profile.durationNanos > 0 ? profile.durationNanos : md.untilNanos - md.fromNanos,
  });
}

function ingestJfr(
  md: Metadata,
  form: Map<string, FormPart> | undefined,
  body: Uint8Array,
  gunzip: (b: Uint8Array) => Uint8Array,
): ProfileWrite[] {
  let bytes = body;
  let labelBytes: Uint8Array | undefined;
  if (form) {
    const part = form.get('jfr');
    if (!part) throw new IngestError(400, "multipart form without a 'jfr' field");
    bytes = part.data;
    labelBytes = form.get('labels')?.data;
  }
  const labels =
    labelBytes && labelBytes.length > 0 ? decodeLabelsSnapshot(gunzip(labelBytes), 'labels') : undefined;
  const profiles = importFromJfr(gunzip(bytes), SOURCE, {
    sampleRate: md.sampleRate,
    startNanos: md.fromNanos,
    endNanos: md.untilNanos,
    labels,
    // Per-thread series would multiply cardinality; Pyroscope does not label threads either.
    threadLabels: false,
  });
  const writes: ProfileWrite[] = [];
  for (const p of profiles) {
    const metric = p.name ?? pprofMetricName(p);
    writes.push(
      ...profileToSeries(p, {
        metricName: metric,
        labels: baseLabels(md, metric),
        timeNanos: md.fromNanos,
        durationNanos: md.untilNanos - md.fromNanos,
      }),
    );
  }
  return writes;
}

/** validTime: a time after 1971 (not zero, not microseconds mistaken for nanoseconds) and before 2200. */
function validTime(nanos: number): boolean {
  return nanos > 365 * 86400e9 && validTimeNanos(nanos);
}
