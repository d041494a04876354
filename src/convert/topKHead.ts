/**
 * The top-k head (core/topkRows.ts reads it): on the gathered logits, the k largest whole-character
 * logits with their ids, the log-mass of the other whole-character tokens at the run's temperature,
 * and the partial-character tokens' logits. The classes and k come in as inputs (the worker owns
 * them: its draw rules), so one graph serves every sampler setting; the plain `logits` output stays.
 */
import { DataType, type ValueInfoDef } from './onnx';
import type { GraphBuilder } from './graphBuilder';
import { TOPK_HEAD } from '../protocol/graph';

/** Vocabularies above this get a top-k head by default: a JavaScript pass over full rows costs milliseconds. */
export const TOPK_HEAD_MIN_VOCAB = 32_768;

export function buildTopKHead(g: GraphBuilder, logits: string, vocab: number): { inputs: ValueInfoDef[]; outputs: ValueInfoDef[] } {
  const biased = g.node('Add', [logits, TOPK_HEAD.wholeBias]);
  const [values, ids] = g.op('TopK', [biased, TOPK_HEAD.k], { axis: -1, largest: 1, sorted: 1 }, { outputs: 2 });
  // Fixed output names through Identity (GraphBuilder names a multi-output node's outputs itself).
  g.node('Identity', [values], undefined, TOPK_HEAD.values);
  const topIds = g.node('Identity', [ids], undefined, TOPK_HEAD.ids);
  // The tail: scaled logits with the k ranked tokens set to -Infinity, then a max-shifted log-sum-exp.
  const z = g.node('Div', [biased, TOPK_HEAD.temperature]);
  const minusInf = g.node('Expand', [g.floats([-Infinity], []), g.node('Shape', [topIds])]);
  const tail = g.node('ScatterElements', [z, topIds, minusInf], { axis: -1 });
  // A finite shift even when nothing is left (the log of a zero sum is then -Infinity, as it should be).
  const shift = g.node('Max', [g.node('ReduceMax', [tail], { axes: [-1], keepdims: 1 }), g.floats([-3e38], [])]);
  const sum = g.node('ReduceSum', [g.node('Exp', [g.node('Sub', [tail, shift])]), g.int64s([-1])], { keepdims: 0 });
  g.node('Add', [g.node('Log', [sum]), g.node('Squeeze', [shift, g.int64s([-1])])], undefined, TOPK_HEAD.tailLogMass);
  g.node('Gather', [logits, TOPK_HEAD.partialIds], { axis: 2 }, TOPK_HEAD.partial);
  return {
    inputs: [
      { name: TOPK_HEAD.k, elemType: DataType.INT64, shape: [1] },
      { name: TOPK_HEAD.temperature, elemType: DataType.FLOAT, shape: [1] },
      { name: TOPK_HEAD.wholeBias, elemType: DataType.FLOAT, shape: [vocab] },
      { name: TOPK_HEAD.partialIds, elemType: DataType.INT64, shape: ['partial'] },
    ],
    outputs: [
      { name: TOPK_HEAD.values, elemType: DataType.FLOAT, shape: ['batch', 'positions', 'k'] },
      { name: TOPK_HEAD.ids, elemType: DataType.INT64, shape: ['batch', 'positions', 'k'] },
      { name: TOPK_HEAD.tailLogMass, elemType: DataType.FLOAT, shape: ['batch', 'positions'] },
      { name: TOPK_HEAD.partial, elemType: DataType.FLOAT, shape: ['batch', 'positions', 'partial'] },
    ],
  };
}
