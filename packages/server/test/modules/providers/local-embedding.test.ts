// The local embedding model loader, on model folders written here in the formats Model2Vec and
// sentence-transformers save: a text's vector is the normalised mean of its tokens' rows, half
// precision reads as full, and a folder that cannot be used is refused with what is wrong.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { halfToFloat } from '../../../src/lib/safetensors.ts';
import { LocalModelError, loadLocalEmbeddingModel } from '../../../src/modules/providers/local-embedding.ts';
import { writeStaticModel } from '../../helpers/static-model.ts';

const root = mkdtempSync(path.join(tmpdir(), 'parley-local-model-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const WORDS = {
  refund: [1, 0, 0, 0],
  money: [0.8, 0.6, 0, 0],
  back: [0.6, 0.8, 0, 0],
  shipping: [0, 0, 1, 0],
  parcel: [0, 0, 0.6, 0.8],
  '##s': [0, 0, 0, 1],
};

function folder(name: string): string {
  return path.join(root, name);
}

const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

describe('a local static embedding model', () => {
  it('embeds a text as the normalised mean of its tokens, named after its folder', async () => {
    writeStaticModel(folder('potion-test'), { words: WORDS });
    const model = loadLocalEmbeddingModel(folder('potion-test'));
    expect(model).toMatchObject({ provider: 'local', model: 'local:potion-test', dimensions: 4 });
    const { embeddings } = await model.embed(['Money back?', 'REFUNDS', 'shipping parcels', 'xyzzy']);
    const [moneyBack, refunds, shipping, unknown] = embeddings as [number[], number[], number[], number[]];
    // money + back = (1.4, 1.4, 0, 0), normalised; the WordPiece tokenizer splits "refunds".
    expect(moneyBack[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(moneyBack[1]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(refunds).toEqual([Math.SQRT1_2, 0, 0, Math.SQRT1_2].map((x) => expect.closeTo(x, 6)));
    expect(Math.hypot(...shipping)).toBeCloseTo(1, 6);
    expect(cosine(moneyBack, refunds)).toBeGreaterThan(0.45);
    expect(cosine(moneyBack, shipping)).toBe(0);
    // Only unknown tokens: the zero vector, near nothing.
    expect(unknown).toEqual([0, 0, 0, 0]);
  });

  it('reads half precision and the sentence-transformers layout as the same model', () => {
    writeStaticModel(folder('f32'), { words: WORDS });
    writeStaticModel(folder('f16'), { words: WORDS, dtype: 'F16', sentenceTransformers: true });
    const texts = ['money back', 'parcels shipping refund'];
    const full = loadLocalEmbeddingModel(folder('f32')).embedSync(texts);
    const half = loadLocalEmbeddingModel(folder('f16')).embedSync(texts);
    expect(half.flat()).toEqual(full.flat().map((value) => expect.closeTo(value, 3)));
    expect([halfToFloat(0x3c00), halfToFloat(0xc000), halfToFloat(0x3555)]).toEqual([
      1,
      -2,
      expect.closeTo(1 / 3, 3),
    ]);
  });

  it('keeps the mean as it is when the model says not to normalise', () => {
    writeStaticModel(folder('raw'), { words: WORDS, normalize: false });
    const [vector] = loadLocalEmbeddingModel(folder('raw')).embedSync(['money back']);
    expect(vector).toEqual([0.7, 0.7, 0, 0].map((x) => expect.closeTo(x, 6)));
  });

  it('refuses a folder it cannot use, saying what is wrong', () => {
    const refused = (dir: string) => {
      try {
        loadLocalEmbeddingModel(dir);
      } catch (error) {
        expect(error).toBeInstanceOf(LocalModelError);
        return (error as Error).message;
      }
      throw new Error(`${dir} was accepted`);
    };
    expect(refused(folder('nowhere'))).toMatch(
      /^PARLEY_EMBEDDING_MODEL_DIR: .*nowhere.*the folder does not exist/,
    );

    writeStaticModel(folder('no-tokenizer'), { words: WORDS });
    rmSync(path.join(folder('no-tokenizer'), 'tokenizer.json'));
    expect(refused(folder('no-tokenizer'))).toContain('it has no tokenizer.json');

    writeStaticModel(folder('no-weights'), { words: WORDS });
    rmSync(path.join(folder('no-weights'), 'model.safetensors'));
    expect(refused(folder('no-weights'))).toContain('it has no model.safetensors');

    writeStaticModel(folder('truncated'), { words: WORDS });
    writeFileSync(
      path.join(folder('truncated'), 'model.safetensors'),
      Buffer.from([200, 0, 0, 0, 0, 0, 0, 0, 123]),
    );
    expect(refused(folder('truncated'))).toContain(
      'model.safetensors: its header length is larger than the file',
    );

    writeStaticModel(folder('bad-config'), { words: WORDS });
    writeFileSync(path.join(folder('bad-config'), 'config.json'), '{not json');
    expect(refused(folder('bad-config'))).toContain('config.json is not JSON');
  });
});
