/**
 * A cache over the context: every token the canvas already shows gets its logit raised by a fixed
 * amount at every position the model predicts. Code is local (Tu et al. 2014, "On the localness of
 * software"; the neural cache of Grave et al. 2017): a name next to a hole is far likelier in it
 * than a small model's prediction says, and the bias makes it reuse `a`, `b` and `item` where it
 * would write a common word. It shapes what is sampled, not how a text is judged: the length search
 * and the ranking of samples read the model's own logits, which choose lengths better (bench/RESULTS.md,
 * "Reusing the context's tokens").
 *
 * A token raises its class: its text without one leading space, so the `a` of `(a, b)` raises
 * ` a` as well.
 */
import type { Denoiser } from './types';

export class ContextBias {
  /** members[c]: the ids of class c. */
  private readonly members: Int32Array[];
  private readonly seen: Uint8Array;

  /**
   * @param amount added to each raised logit (> 0)
   * @param classOf each id's class (-1: never raises nor is raised: specials, the mask, end tokens)
   */
  constructor(
    readonly amount: number,
    private readonly classOf: Int32Array,
  ) {
    let classes = 0;
    for (const c of classOf) classes = Math.max(classes, c + 1);
    const lists: number[][] = Array.from({ length: classes }, () => []);
    classOf.forEach((c, id) => c >= 0 && lists[c].push(id));
    this.members = lists.map((l) => Int32Array.from(l));
    this.seen = new Uint8Array(classes);
  }

  /**
   * Classes by text: ids whose bytes are equal once one leading space is dropped share one.
   * @param bytesOf an id's UTF-8 bytes; undefined for an id that is never raised
   */
  static byText(vocab: number, bytesOf: (id: number) => Uint8Array | undefined, amount: number): ContextBias {
    const classOf = new Int32Array(vocab).fill(-1);
    const byKey = new Map<string, number>();
    for (let id = 0; id < vocab; id++) {
      const bytes = bytesOf(id);
      if (!bytes) continue;
      const key = String.fromCharCode(...(bytes[0] === 0x20 ? bytes.subarray(1) : bytes));
      if (key === '') continue;
      let c = byKey.get(key);
      if (c === undefined) byKey.set(key, (c = byKey.size));
      classOf[id] = c;
    }
    return new ContextBias(amount, classOf);
  }

  /**
   * Raises, in each row's `rows` logit rows ([batch, rows, vocab]), the classes of that row's
   * tokens in `ids` ([batch, length]); masked and never-raised ids add nothing.
   */
  apply(logits: Float32Array, ids: Int32Array, batch: number, length: number, rows: number): void {
    const vocab = this.classOf.length;
    const { seen, members, amount } = this;
    for (let b = 0; b < batch; b++) {
      const raised: number[] = [];
      for (let i = b * length; i < (b + 1) * length; i++) {
        const c = ids[i] >= 0 && ids[i] < vocab ? this.classOf[ids[i]] : -1;
        if (c >= 0 && !seen[c]) {
          seen[c] = 1;
          raised.push(c);
        }
      }
      for (const c of raised) {
        seen[c] = 0;
        for (let r = 0; r < rows; r++) {
          const row = (b * rows + r) * vocab;
          for (const id of members[c]) logits[row + id] += amount;
        }
      }
    }
  }

  /**
   * `denoiser` with every logit row it returns raised. The top-k form ranks the tokens before any
   * bias could raise them, so the view has none: the sampler reads full rows.
   */
  over(denoiser: Denoiser): Denoiser {
    const { forwardAt } = denoiser;
    return {
      vocabSize: denoiser.vocabSize,
      drawableVocabSize: denoiser.drawableVocabSize,
      maskId: denoiser.maskId,
      usesTime: denoiser.usesTime,
      forward: async (ids, batch, length, t) => this.raised(await denoiser.forward(ids, batch, length, t), ids, batch, length, length),
      ...(forwardAt
        ? { forwardAt: async (ids: Int32Array, batch: number, length: number, positions: Int32Array, t?: Float64Array) => this.raised(await forwardAt.call(denoiser, ids, batch, length, positions, t), ids, batch, length, positions.length) }
        : {}),
    };
  }

  private raised(logits: Float32Array, ids: Int32Array, batch: number, length: number, rows: number): Float32Array {
    this.apply(logits, ids, batch, length, rows);
    return logits;
  }
}
