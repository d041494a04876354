/**
 * A loaded model: folder checked, tokenizer built, session up and warmed, and the three agreeing
 * with each other (vocabulary size, mask token).
 */
import path from 'node:path';
import { ContextBias } from '../core/contextBias';
import { DrawRules } from '../core/drawRules';
import { InfillError } from '../protocol/errors';
import { ChatFormat } from './chat';
import { resolveEndTokenIds } from './endTokens';
import { readModelFolder } from './modelFolder';
import type { ResizeTokens } from './resizeHoles';
import { CONTEXT_BIAS_RANGE, isContextBias, type LoadSettings, type ModelInfo } from '../protocol/protocol';
import { OnnxDenoiser } from './onnxDenoiser';
import { TextTokenizer } from '../protocol/tokenizer';

/**
 * Models round their output layer up past the tokenizer (ModernBERT 50368 for a 50280-token
 * tokenizer, LLaDA 126464, Qwen2.5 / Open-dCoder / Dream 151936-152064 for about 151.7k tokens,
 * some 270-400 rows): rows past the tokenizer are padding, never drawn. A wider gap means another
 * tokenizer.
 */
const MAX_VOCAB_PADDING = 1024;

export class LoadedModel {
  private constructor(
    readonly info: ModelInfo,
    readonly tokenizer: TextTokenizer,
    readonly denoiser: OnnxDenoiser,
    /** The model's chat format, when its tokenizer has a chat template (instruct models). */
    readonly chat: ChatFormat | undefined,
    /** What a hole may draw: whole characters, no special token but the end tokens. */
    readonly drawRules: DrawRules,
    /** The model's expand and delete tokens (DreamOn), when it has them: holes of unknown length resize. */
    readonly resizeTokens?: ResizeTokens,
    /** What sampling adds to the context's tokens (core/contextBias.ts), when anything. */
    readonly contextBias?: ContextBias,
  ) {}

  static async load(settings: LoadSettings): Promise<LoadedModel> {
    const started = performance.now();
    if (settings.contextBias !== undefined && !isContextBias(settings.contextBias)) {
      throw new InfillError('bad-request', `context bias ${CONTEXT_BIAS_RANGE}, got ${settings.contextBias}`);
    }
    const folder = readModelFolder(settings.modelDir, settings.quantized);
    const contextBias = settings.contextBias ?? folder.config.contextBias;
    const tokenizerFile = path.join(folder.dir, 'tokenizer.json');
    let tokenizer: TextTokenizer;
    try {
      tokenizer = new TextTokenizer(folder.tokenizerJson, folder.tokenizerConfig);
    } catch (err) {
      throw new InfillError('model-invalid', `${tokenizerFile}: the tokenizer could not be built: ${(err as Error).message}`);
    }
    const maskId = resolveMaskId(folder.config.maskTokenId, folder.tokenizerConfig, tokenizer, folder.dir);
    if (tokenizer.vocabSize > folder.config.vocabSize) {
      throw new InfillError(
        'tokenizer-mismatch',
        `${tokenizerFile}: the tokenizer has ${tokenizer.vocabSize} tokens but config.json "vocab_size" is ${folder.config.vocabSize}`,
      );
    }
    const chat = ChatFormat.of(folder.chatTemplate, folder.tokenizerConfig);
    const endTokenIds = resolveEndTokenIds(folder.rawConfig, folder.tokenizerConfig, (t) => tokenizer.tokenId(t), maskId, tokenizer.vocabSize);
    const denoiser = await OnnxDenoiser.load(folder.onnxFile, maskId, { ...settings, maxLength: folder.config.maxLength });
    denoiser.shiftLogits = folder.config.shiftLogits;
    denoiser.padId = endTokenIds[0] ?? maskId;
    try {
      const padding = denoiser.vocabSize - tokenizer.vocabSize;
      if (padding < 0 || padding >= MAX_VOCAB_PADDING) {
        throw new InfillError(
          'tokenizer-mismatch',
          `${tokenizerFile}: the tokenizer has ${tokenizer.vocabSize} tokens but the logits of ${folder.onnxFile} have ${denoiser.vocabSize}; expected the same vocabulary (or at most ${MAX_VOCAB_PADDING - 1} padding rows)`,
        );
      }
      if (padding > 0) denoiser.drawableVocabSize = tokenizer.vocabSize;
      if (folder.config.usesTime && !denoiser.usesTime) {
        throw new InfillError('model-invalid', `${folder.onnxFile}: config.json says "time_conditioning": true but the graph has no time input`);
      }
    } catch (err) {
      await denoiser.dispose();
      throw err;
    }
    const info: ModelInfo = {
      name: folder.name,
      modelDir: folder.dir,
      onnxFile: folder.onnxFile,
      vocabSize: denoiser.vocabSize,
      maskId,
      endTokenIds,
      maxLength: Math.min(folder.config.maxLength, denoiser.graph.fixedLength ?? Infinity),
      ...(folder.config.shiftLogits ? { shiftLogits: true } : {}),
      ...(folder.config.bosId !== undefined ? { bosId: folder.config.bosId } : {}),
      usesTime: denoiser.usesTime,
      ...(chat ? { chat: true } : {}),
      executionProvider: denoiser.executionProvider,
      ...(denoiser.providerNotice ? { providerNotice: denoiser.providerNotice } : {}),
      loadMs: Math.round(performance.now() - started),
    };
    const resize = folder.config.resizeTokens;
    if (resize && Math.max(resize.expandId, resize.deleteId) >= tokenizer.vocabSize) {
      await denoiser.dispose();
      throw new InfillError('tokenizer-mismatch', `${path.join(folder.dir, 'config.json')}: the expand / delete token ids ${resize.expandId} / ${resize.deleteId} are not both tokens of tokenizer.json (${tokenizer.vocabSize} tokens)`);
    }
    const drawRules = drawRulesOf(tokenizer, info);
    // A graph with a top-k head ranks the tokens these rules allow (one owner for what may be drawn).
    const topKHead = denoiser.useTopKHead(drawRules.classes());
    const loaded = { ...info, ...(topKHead ? { topKHead } : {}), ...(contextBias ? { contextBias } : {}) } as ModelInfo;
    const bias = contextBias ? contextBiasOf(tokenizer, info, drawRules, contextBias) : undefined;
    return new LoadedModel(loaded, tokenizer, denoiser, chat, drawRules, resize, bias);
  }

  dispose(): Promise<void> {
    return this.denoiser.dispose();
  }
}

/** The model's DrawRules: its tokenizer's bytes, specials other than end tokens never drawn. */
function drawRulesOf(tokenizer: TextTokenizer, info: ModelInfo): DrawRules {
  const ends = new Set(info.endTokenIds);
  const never = new Set([info.maskId, ...tokenizer.specialIds.filter((id) => !ends.has(id))]);
  // Ids past the tokenizer are padding rows of the output layer.
  const bytesOf = (id: number) => (id < tokenizer.vocabSize && tokenizer.hasToken(id) ? tokenizer.tokenBytes(id, false) : undefined);
  return new DrawRules(info.vocabSize, bytesOf, never, ends);
}

/** Raises the tokens a hole may draw, end tokens aside (they end the text, they are not part of it). */
function contextBiasOf(tokenizer: TextTokenizer, info: ModelInfo, rules: DrawRules, amount: number): ContextBias {
  const ends = new Set(info.endTokenIds);
  const bytesOf = (id: number) => (rules.drawable[id] && !ends.has(id) ? tokenizer.tokenBytes(id, false) : undefined);
  return ContextBias.byText(info.vocabSize, bytesOf, amount);
}

/** The mask id: config.json `mask_token_id`, else tokenizer_config.json `mask_token`; it must be a tokenizer token. */
function resolveMaskId(configMaskId: number | undefined, tokenizerConfig: Record<string, unknown>, tokenizer: TextTokenizer, dir: string): number {
  const configTokenField = tokenizerConfig.mask_token;
  const maskToken = typeof configTokenField === 'string' ? configTokenField : (configTokenField as { content?: unknown } | undefined)?.content;
  if (configMaskId !== undefined) {
    if (configMaskId >= tokenizer.vocabSize) {
      throw new InfillError('tokenizer-mismatch', `${path.join(dir, 'config.json')}: "mask_token_id" ${configMaskId} is not a token of tokenizer.json (${tokenizer.vocabSize} tokens)`);
    }
    const tokenizerMaskId = typeof maskToken === 'string' ? tokenizer.tokenId(maskToken) : undefined;
    if (tokenizerMaskId !== undefined && tokenizerMaskId !== configMaskId) {
      throw new InfillError(
        'tokenizer-mismatch',
        `${path.join(dir, 'config.json')}: "mask_token_id" is ${configMaskId} but the tokenizer's mask token ${JSON.stringify(maskToken)} is id ${tokenizerMaskId}`,
      );
    }
    return configMaskId;
  }
  if (typeof maskToken !== 'string') {
    throw new InfillError('model-invalid', `${dir}: no mask token: expected "mask_token_id" in config.json or "mask_token" in tokenizer_config.json`);
  }
  const id = tokenizer.tokenId(maskToken);
  if (id === undefined) {
    throw new InfillError('tokenizer-mismatch', `${path.join(dir, 'tokenizer.json')}: the mask token ${JSON.stringify(maskToken)} from tokenizer_config.json is not in the vocabulary`);
  }
  return id;
}
