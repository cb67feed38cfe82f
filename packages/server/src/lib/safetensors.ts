// Reads tensors from a .safetensors file (the format of Hugging Face model weights): an 8-byte
// little-endian header length, a JSON header naming each tensor's dtype, shape and byte range,
// then the raw little-endian data. Only what embedding tables use is read: F32, F16, BF16 as
// floats, and I32/I64 as integers (a vocabulary mapping).

export interface Tensor {
  shape: number[];
  /** Row-major values. */
  data: Float32Array | Int32Array;
}

export class SafetensorsError extends Error {}

const MAX_HEADER_BYTES = 100 * 1024 * 1024;
const FLOAT_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };
const INT_BYTES: Record<string, number> = { I32: 4, I64: 8 };

/** The tensors of a .safetensors file's bytes, by name (the `__metadata__` entry is left out). */
export function readSafetensors(bytes: Uint8Array): Map<string, Tensor> {
  if (bytes.byteLength < 8) throw new SafetensorsError('the file is shorter than its header.');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > bytes.byteLength)
    throw new SafetensorsError('its header length is larger than the file.');
  let header: Record<string, { dtype?: string; shape?: number[]; data_offsets?: [number, number] }>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    throw new SafetensorsError('its header is not JSON.');
  }
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, Tensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype = '', shape, data_offsets: offsets } = entry;
    const width = FLOAT_BYTES[dtype] ?? INT_BYTES[dtype];
    if (!width) continue; // a tensor of a type an embedding table never has
    if (!Array.isArray(shape) || !Array.isArray(offsets) || offsets.length !== 2)
      throw new SafetensorsError(`tensor ${name} has no shape or byte range.`);
    const count = shape.reduce((product, size) => product * size, 1);
    const [start, end] = offsets;
    if (end - start !== count * width || dataStart + end > bytes.byteLength)
      throw new SafetensorsError(`tensor ${name} does not fit its byte range.`);
    const at = dataStart + start;
    tensors.set(name, {
      shape,
      data: dtype in FLOAT_BYTES ? readFloats(view, at, count, dtype) : readInts(view, at, count, width),
    });
  }
  return tensors;
}

function readFloats(view: DataView, at: number, count: number, dtype: string): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    if (dtype === 'F32') out[i] = view.getFloat32(at + 4 * i, true);
    else if (dtype === 'F16') out[i] = halfToFloat(view.getUint16(at + 2 * i, true));
    else out[i] = bfloatToFloat(view.getUint16(at + 2 * i, true));
  }
  return out;
}

function readInts(view: DataView, at: number, count: number, width: number): Int32Array {
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    out[i] = width === 4 ? view.getInt32(at + 4 * i, true) : Number(view.getBigInt64(at + 8 * i, true));
  }
  return out;
}

/** IEEE 754 half precision to a JavaScript number. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

const bfloatView = new DataView(new ArrayBuffer(4));
/** bfloat16 is the upper half of a float32. */
function bfloatToFloat(bits: number): number {
  bfloatView.setUint32(0, bits << 16);
  return bfloatView.getFloat32(0);
}
