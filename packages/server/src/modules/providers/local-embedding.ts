// An embedding model from a folder on this machine (PARLEY_EMBEDDING_MODEL_DIR): a static
// embedding model, as Model2Vec distils them from a sentence transformer or sentence-transformers'
// StaticEmbedding trains them. A text's embedding is the mean of its tokens' rows, so it needs no
// network, no key and no native runtime, and embeds thousands of chunks a second on one core.
//
// The folder holds `tokenizer.json` and `model.safetensors` (one 2-D table, vocabulary × dimensions;
// Model2Vec's optional per-token `weights` and vocabulary `mapping` are applied), and optionally
// `config.json` (`normalize`, default true). sentence-transformers' layout, with both files in
// `0_StaticEmbedding/`, is read as well.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { ConfigError } from '../../config.ts';
import { readSafetensors, SafetensorsError, type Tensor } from '../../lib/safetensors.ts';
import type { EmbeddingModel } from './provider-types.ts';

/** A configuration error: the server does not start with a model it cannot read. */
export class LocalModelError extends ConfigError {
  constructor(dir: string, reason: string) {
    super(`PARLEY_EMBEDDING_MODEL_DIR: the embedding model in ${dir} cannot be used: ${reason}`);
  }
}

/** Longest text embedded, in characters: the mean over a whole page says little anyway. */
const MAX_CHARS = 8000;
const TABLE_NAMES = ['embeddings', 'embedding.weight', 'emb.weight'];

export interface LocalEmbeddingModel extends EmbeddingModel {
  dimensions: number;
  /** Embeds without the promise, for benchmarks and the worker that embeds many chunks. */
  embedSync(texts: string[]): number[][];
}

/** Loads the model in `dir`; throws LocalModelError saying what is missing or wrong. */
export function loadLocalEmbeddingModel(dir: string): LocalEmbeddingModel {
  const root = path.resolve(dir);
  if (!existsSync(root)) throw new LocalModelError(root, 'the folder does not exist.');
  const folder = [root, path.join(root, '0_StaticEmbedding')].find((candidate) =>
    existsSync(path.join(candidate, 'model.safetensors')),
  );
  if (!folder) throw new LocalModelError(root, 'it has no model.safetensors.');
  const tokenizerFile = [folder, root].map((f) => path.join(f, 'tokenizer.json')).find((f) => existsSync(f));
  if (!tokenizerFile) throw new LocalModelError(root, 'it has no tokenizer.json.');

  let tensors: Map<string, Tensor>;
  try {
    tensors = readSafetensors(readFileSync(path.join(folder, 'model.safetensors')));
  } catch (error) {
    if (error instanceof SafetensorsError)
      throw new LocalModelError(root, `model.safetensors: ${error.message}`);
    throw error;
  }
  const table =
    TABLE_NAMES.map((name) => tensors.get(name)).find(Boolean) ??
    [...tensors.values()].find((tensor) => tensor.shape.length === 2 && tensor.data instanceof Float32Array);
  if (table?.shape.length !== 2 || !(table.data instanceof Float32Array))
    throw new LocalModelError(root, 'model.safetensors has no 2-D table of floats.');
  const [rows, dimensions] = table.shape as [number, number];
  const vectors = table.data;
  const weights = tensors.get('weights')?.data;
  const mapping = tensors.get('mapping')?.data;

  const config = readJson(root, path.join(root, 'config.json')) as { normalize?: boolean } | null;
  const normalize = config?.normalize !== false;
  const tokenizerConfig =
    readJson(root, path.join(path.dirname(tokenizerFile), 'tokenizer_config.json')) ?? {};
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(readJson(root, tokenizerFile)!, tokenizerConfig);
  } catch (error) {
    throw new LocalModelError(root, `tokenizer.json: ${(error as Error).message}`);
  }
  const unknown = tokenizer.token_to_id(
    String((tokenizerConfig as { unk_token?: unknown }).unk_token ?? '[UNK]'),
  );

  function embedOne(text: string): number[] {
    const sum = new Float64Array(dimensions);
    let total = 0;
    const { ids } = tokenizer.encode(text.slice(0, MAX_CHARS), { add_special_tokens: false });
    for (const id of ids) {
      if (id === unknown) continue;
      const row = mapping ? mapping[id] : id;
      if (row === undefined || row < 0 || row >= rows) continue;
      const weight = weights ? (weights[id] ?? 1) : 1;
      const offset = row * dimensions;
      for (let d = 0; d < dimensions; d++) sum[d]! += weight * vectors[offset + d]!;
      total += weight;
    }
    // A text of unknown tokens only gets the zero vector: it is near nothing.
    const mean = Array.from(sum, (value) => (total > 0 ? value / total : 0));
    if (!normalize) return mean;
    const norm = Math.hypot(...mean);
    return norm > 0 ? mean.map((value) => value / norm) : mean;
  }

  const name = `local:${path.basename(root)}`;
  return {
    provider: 'local',
    model: name,
    dimensions,
    embedSync: (texts) => texts.map(embedOne),
    async embed(texts) {
      return { embeddings: texts.map(embedOne), usage: { tokens: 0 } };
    },
  };
}

function readJson(root: string, file: string): object | null {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new LocalModelError(root, `${path.basename(file)} is not JSON.`);
  }
}
