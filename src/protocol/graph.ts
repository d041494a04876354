/**
 * The names of the runtime's graph contract: what the converter writes and the worker feeds and
 * reads. Graphs from elsewhere need only input_ids and logits (onnxDenoiser.checkGraph).
 */

/** int64 [batch, positions]: the rows the graph computes logits for (a gather before the output layer). */
export const LOGIT_POSITIONS = 'logit_positions';

/**
 * The top-k head of a large-vocabulary graph (core/topkRows.ts): inputs, then outputs, each
 * [batch, positions, ...]. Whole-character tokens are ranked (bias 0; -Infinity for the rest),
 * partial-character tokens come back in full.
 */
export const TOPK_HEAD = {
  /** int64 [1]: tokens per row. */
  k: 'topk_k',
  /** float [1]: the temperature of the tail's log-mass. */
  temperature: 'topk_temperature',
  /** float [vocab]: 0 for a whole-character token, -Infinity for every other. */
  wholeBias: 'topk_whole_bias',
  /** int64 [partial]: the partial-character tokens. */
  partialIds: 'topk_partial_ids',
  /** float [batch, positions, k], descending, ties lower id first. */
  values: 'topk_logits',
  /** int64 [batch, positions, k]. */
  ids: 'topk_ids',
  /** float [batch, positions]: log sum exp(logit / temperature) over the whole-character tokens outside the k. */
  tailLogMass: 'topk_tail_log_mass',
  /** float [batch, positions, partial]. */
  partial: 'topk_partial_logits',
} as const;
