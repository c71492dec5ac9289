import { ProtoError, ProtoReader } from './proto-reader.js';

/**
 * Pyroscope's push API, `POST /push.v1.PusherService/Push` (Connect unary; Grafana Alloy and the
 * newer SDKs use it). Messages, field numbers as declared in push/v1/push.proto and
 * types/v1/types.proto:
 *
 *     message PushRequest      { repeated RawProfileSeries series = 1; }
 *     message RawProfileSeries { repeated types.v1.LabelPair labels = 1; repeated RawSample samples = 2; }
 *     message LabelPair        { string name = 1; string value = 2; }
 *     message RawSample        { bytes raw_profile = 1;  // pprof, usually gzipped
 *                                string ID = 2; }        // a client-chosen UUID
 *     message PushResponse     {}
 *
 * In Connect's JSON form the same message is `{"series": [{"labels": [{"name", "value"}],
 * "samples": [{"rawProfile": base64, "ID": "..."}]}]}` (proto field names are accepted too).
 */
export interface PushSeries {
  labels: Array<{ name: string; value: string }>;
  samples: Array<{ rawProfile: Uint8Array; id: string }>;
}

/** decodePushRequestProto decodes the binary form; throws ProtoError on malformed input. */
export function decodePushRequestProto(bytes: Uint8Array): PushSeries[] {
  const r = new ProtoReader(bytes);
  const series: PushSeries[] = [];
  while (!r.done()) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === 2) series.push(decodeSeries(r.message()));
    else r.skip(wire);
  }
  return series;
}

function decodeSeries(r: ProtoReader): PushSeries {
  const out: PushSeries = { labels: [], samples: [] };
  while (!r.done()) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === 2) {
      const m = r.message();
      let name = '';
      let value = '';
      while (!m.done()) {
        const [f, w] = m.tag();
        if (f === 1 && w === 2) name = m.string();
        else if (f === 2 && w === 2) value = m.string();
        else m.skip(w);
      }
      out.labels.push({ name, value });
    } else if (field === 2 && wire === 2) {
      const m = r.message();
      let rawProfile: Uint8Array = new Uint8Array(0);
      let id = '';
      while (!m.done()) {
        const [f, w] = m.tag();
        if (f === 1 && w === 2) rawProfile = m.bytesField();
        else if (f === 2 && w === 2) id = m.string();
        else m.skip(w);
      }
      out.samples.push({ rawProfile, id });
    } else r.skip(wire);
  }
  return out;
}

/** decodePushRequestJson reads Connect's JSON form; throws ProtoError when the shape is wrong. */
export function decodePushRequestJson(text: string): PushSeries[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ProtoError(`invalid JSON: ${(err as Error).message}`);
  }
  const list = (doc as { series?: unknown })?.series ?? [];
  if (!Array.isArray(list)) throw new ProtoError('"series" is not an array');
  return list.map((s: Record<string, unknown>) => {
    const labels = (s?.labels ?? []) as Array<Record<string, unknown>>;
    const samples = (s?.samples ?? []) as Array<Record<string, unknown>>;
    if (!Array.isArray(labels) || !Array.isArray(samples))
      throw new ProtoError('"labels"/"samples" must be arrays');
    return {
      labels: labels.map((l) => ({ name: String(l?.name ?? ''), value: String(l?.value ?? '') })),
      samples: samples.map((x) => {
        const b64 = x?.rawProfile ?? x?.raw_profile ?? '';
        if (typeof b64 !== 'string') throw new ProtoError('"rawProfile" must be a base64 string');
        return { rawProfile: new Uint8Array(Buffer.from(b64, 'base64')), id: String(x?.ID ?? x?.id ?? '') };
      }),
    };
  });
}

/** encodePushRequestProto writes the binary form (tests and the autoprof agent use it). */
export function encodePushRequestProto(series: readonly PushSeries[]): Uint8Array {
  const chunks: number[] = [];
  const varint = (out: number[], n: number) => {
    let v = n;
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
  };
  const field = (out: number[], num: number, payload: ArrayLike<number>) => {
    varint(out, num * 8 + 2);
    varint(out, payload.length);
    for (let i = 0; i < payload.length; i++) out.push(payload[i]);
  };
  const utf8 = (s: string) => new TextEncoder().encode(s);
  for (const s of series) {
    const body: number[] = [];
    for (const l of s.labels) {
      const pair: number[] = [];
      field(pair, 1, utf8(l.name));
      field(pair, 2, utf8(l.value));
      field(body, 1, pair);
    }
    for (const x of s.samples) {
      const sample: number[] = [];
      field(sample, 1, x.rawProfile);
      if (x.id) field(sample, 2, utf8(x.id));
      field(body, 2, sample);
    }
    field(chunks, 1, body);
  }
  return Uint8Array.from(chunks);
}
