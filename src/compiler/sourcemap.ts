/**
 * Minimal source map v3 rewriting: esbuild maps the emitted JavaScript to the *wrapped* input; we shift every
 * original position up by the wrapper's lines so the map points into the user's file, and name that file as the
 * only source (with its text as sourcesContent). Only the Base64 VLQ codec is needed, so it lives here.
 */

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]));

/** A decoded segment: [generatedColumn] or [generatedColumn, source, originalLine, originalColumn, name?]. */
export type Segment = number[];

/** Decode a `mappings` string into absolute segments, one array per generated line. */
function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  const state = [0, 0, 0, 0, 0];
  for (const lineText of mappings.split(";")) {
    state[0] = 0;
    const segments: Segment[] = [];
    for (const segText of lineText.split(",")) {
      if (segText === "") continue;
      const values = decodeVlq(segText);
      const seg: Segment = [];
      values.forEach((v, i) => {
        state[i] = (state[i] ?? 0) + v;
        seg.push(state[i] ?? 0);
      });
      segments.push(seg);
    }
    lines.push(segments);
  }
  return lines;
}

/** Encode absolute segments back into a `mappings` string. */
function encodeMappings(lines: Segment[][]): string {
  const state = [0, 0, 0, 0, 0];
  return lines
    .map((segments) => {
      state[0] = 0;
      return segments
        .map((seg) =>
          seg
            .map((v, i) => {
              const delta = v - (state[i] ?? 0);
              state[i] = v;
              return encodeVlq(delta);
            })
            .join(""),
        )
        .join(",");
    })
    .join(";");
}

function decodeVlq(text: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of text) {
    const digit = B64_INDEX.get(ch);
    if (digit === undefined) throw new Error(`invalid base64 VLQ character ${JSON.stringify(ch)}`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

function encodeVlq(n: number): string {
  let v = n < 0 ? (-n << 1) | 1 : n << 1;
  let out = "";
  do {
    let digit = v & 31;
    v >>>= 5;
    if (v > 0) digit |= 32;
    out += B64[digit];
  } while (v > 0);
  return out;
}

/**
 * Rewrite esbuild's map of the wrapped input into a map of the user's file: original lines move up by `lineOffset`,
 * segments that pointed into the wrapper keep their generated column but lose their original position.
 */
export function shiftSourceMap(mapJson: string, lineOffset: number, filename: string, source: string): string {
  const map = JSON.parse(mapJson) as { mappings: string; names?: string[] };
  const lines = decodeMappings(map.mappings).map((segments) =>
    segments.map((seg): Segment => {
      if (seg.length < 4) return seg;
      const line = (seg[2] ?? 0) - lineOffset;
      if (line < 0) return [seg[0] ?? 0];
      const shifted = [seg[0] ?? 0, 0, line, seg[3] ?? 0];
      if (seg.length >= 5) shifted.push(seg[4] ?? 0);
      return shifted;
    }),
  );
  return JSON.stringify({
    version: 3,
    sources: [filename],
    sourcesContent: [source],
    names: map.names ?? [],
    mappings: encodeMappings(lines),
  });
}
