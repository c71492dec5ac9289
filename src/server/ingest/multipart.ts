/**
 * A small multipart/form-data reader (RFC 7578) for the ingest forms Pyroscope agents send:
 * pprof (`profile`, `prev_profile`, `sample_type_config`) and JFR (`jfr`, `labels`). The body is
 * already in memory and capped by the HTTP layer, so parts are views into it, never copies.
 */
export interface FormPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Uint8Array;
}

/** MultipartError: a form that does not parse; ingest answers 400. */
export class MultipartError extends Error {}

/** multipartBoundary returns the boundary of a multipart content type, undefined for others. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data/i.test(contentType)) return undefined;
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!m) throw new MultipartError('multipart content type without a boundary');
  return m[1] ?? m[2];
}

/** parseMultipart splits a form body into its parts, keyed by field name (the first one wins). */
export function parseMultipart(body: Uint8Array, boundary: string): Map<string, FormPart> {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const delimiter = Buffer.from(`--${boundary}`);
  const parts = new Map<string, FormPart>();
  let pos = buf.indexOf(delimiter);
  if (pos < 0) throw new MultipartError('no multipart boundary in the body');
  for (;;) {
    pos += delimiter.length;
    if (buf[pos] === 0x2d && buf[pos + 1] === 0x2d) break; // closing "--boundary--"
    if (buf[pos] === 0x0d && buf[pos + 1] === 0x0a) pos += 2;
    const headerEnd = buf.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) throw new MultipartError('part without a header end');
    const headers = buf.subarray(pos, headerEnd).toString('utf8');
    const dataStart = headerEnd + 4;
    const next = buf.indexOf(Buffer.from(`\r\n--${boundary}`), dataStart);
    if (next < 0) throw new MultipartError('part without a closing boundary');
    const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) throw new MultipartError('part without a name');
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    const contentType = /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1]?.trim();
    if (!parts.has(name))
      parts.set(name, { name, filename, contentType, data: body.subarray(dataStart, next) });
    pos = next + 2;
  }
  return parts;
}
