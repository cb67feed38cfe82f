// Writes a small static embedding model folder, as Model2Vec saves one (BERT-style WordPiece
// tokenizer.json, model.safetensors with an `embeddings` table, config.json): the local model
// loader is tested on real files, made here, since no package ships such a model.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface StaticModelSpec {
  /** Each word with its vector; all vectors have one length. "[UNK]" is added first. */
  words: Record<string, number[]>;
  dtype?: 'F32' | 'F16';
  normalize?: boolean;
  /** sentence-transformers' layout: the files in 0_StaticEmbedding/. */
  sentenceTransformers?: boolean;
}

export function writeStaticModel(dir: string, spec: StaticModelSpec): void {
  const words = Object.keys(spec.words);
  const dimensions = spec.words[words[0]!]!.length;
  const vocab: Record<string, number> = { '[UNK]': 0 };
  for (const [i, word] of words.entries()) vocab[word] = i + 1;
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      {
        id: 0,
        content: '[UNK]',
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      },
    ],
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab,
    },
  };
  const rows = [new Array(dimensions).fill(0), ...words.map((word) => spec.words[word]!)];
  const dtype = spec.dtype ?? 'F32';
  const width = dtype === 'F32' ? 4 : 2;
  const data = Buffer.alloc(rows.length * dimensions * width);
  rows.flat().forEach((value, i) => {
    if (dtype === 'F32') data.writeFloatLE(value, i * 4);
    else data.writeUInt16LE(floatToHalf(value), i * 2);
  });
  const header = Buffer.from(
    JSON.stringify({
      __metadata__: { format: 'pt' },
      embeddings: { dtype, shape: [rows.length, dimensions], data_offsets: [0, data.length] },
    }),
  );
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  const folder = spec.sentenceTransformers ? path.join(dir, '0_StaticEmbedding') : dir;
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'model.safetensors'), Buffer.concat([length, header, data]));
  writeFileSync(path.join(folder, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({ model_type: 'model2vec', normalize: spec.normalize ?? true, hidden_dim: dimensions }),
  );
}

/** Rounds to the nearest half-precision value (enough for test vectors in [-2, 2]). */
function floatToHalf(value: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, value);
  const bits = view.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = bits & 0x7fffff;
  if (value === 0) return sign;
  if (exponent <= 0) return sign;
  return sign | (exponent << 10) | Math.round(mantissa / 0x2000);
}
