/**
 * Turns core Frames into what the editor draws (the first sample's holes, whole-character pieces),
 * every sample's texts for the end of a run, and decides which frames are worth a message.
 */
import { textLength } from '../core/endOfText';
import { TokenState, type Frame, type HoleSpan } from '../core/types';
import { groupPieces, type TokenBytesSource } from './pieces';
import { holeTexts, type FrameMessage, type TokenView } from '../protocol/protocol';

/**
 * [hole] → pieces of that hole in sample `b`, as drawn. A hole's text ends at its first end token
 * (`endIds`): the positions from there on are not drawn, so the preview shrinks as end tokens settle.
 * A hole's overlap is already in the document: it is cut from the front of the first piece.
 */
export function sampleHoles(
  frame: Frame,
  b: number,
  holes: readonly HoleSpan[],
  maskId: number,
  tokens: TokenBytesSource,
  endIds: ReadonlySet<number> = new Set(),
): TokenView[][] {
  const row = b * frame.length;
  // A run that resizes holes reports where each row's holes are now.
  return (frame.holes?.[b] ?? holes).map((hole) => {
    const from = row + hole.start;
    const ids = frame.ids.subarray(from, from + textLength(frame.ids, from, hole.length, endIds));
    const pieces = groupPieces(ids, maskId, tokens);
    const first = pieces[0];
    if (hole.overlap && first && !first.masked && first.text.startsWith(hole.overlap)) pieces[0] = { ...first, text: first.text.slice(hole.overlap.length) };
    return pieces.map((piece): TokenView => {
      if (piece.masked) return { text: '', state: frame.state[from + piece.start] as TokenState, confidence: 0 };
      let state = TokenState.Settled;
      let confidence = 1;
      for (let i = from + piece.start; i < from + piece.end; i++) {
        if (frame.state[i] === TokenState.Decoded) state = TokenState.Decoded;
        confidence = Math.min(confidence, frame.confidence[i]);
      }
      return { text: piece.text, state, confidence };
    });
  });
}

/** Each sample's hole texts in `frame`: the pieces joined, exactly as `sampleHoles` draws them. */
export function sampleTexts(
  frame: Frame,
  holes: readonly HoleSpan[],
  maskId: number,
  tokens: TokenBytesSource,
  endIds: ReadonlySet<number> = new Set(),
): { holes: string[] }[] {
  return Array.from({ length: frame.batch }, (_, b) => ({ holes: holeTexts(sampleHoles(frame, b, holes, maskId, tokens, endIds)) }));
}

/**
 * At most `maxPerSecond` frames a second (0 = all). The first frame always goes (it shows the run
 * started); the caller always sends the last one.
 */
export class FrameThrottle {
  private lastSent = -Infinity;

  constructor(
    private readonly maxPerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  shouldSend(): boolean {
    if (this.maxPerSecond <= 0) return true;
    const t = this.now();
    if (t - this.lastSent < 1000 / this.maxPerSecond) return false;
    this.lastSent = t;
    return true;
  }
}

/**
 * Posts throttled frames of the first sample (the first and the last always go) and keeps the last
 * frame shown, whose texts `done` reports.
 */
export class FramePoster {
  messagingMs = 0;
  firstFrameMs = 0;
  lastShown: Frame | undefined;
  private pending: Frame | undefined;
  private readonly throttle: FrameThrottle;

  constructor(
    private readonly message: (frame: Frame) => FrameMessage,
    private readonly send: (message: FrameMessage) => void,
    maxFramesPerSecond: number,
    private readonly started: number,
  ) {
    this.throttle = new FrameThrottle(maxFramesPerSecond);
  }

  offer(frame: Frame): void {
    if (frame.step >= frame.totalSteps || this.throttle.shouldSend()) this.post(frame);
    else this.pending = frame; // core's frames own their arrays, so holding one is safe
  }

  /** Sends a frame held back by the throttle: the run's last one is always shown. */
  flush(): void {
    if (this.pending) this.post(this.pending);
  }

  private post(frame: Frame): void {
    const t0 = performance.now();
    this.send(this.message(frame));
    this.lastShown = frame;
    this.pending = undefined;
    const t1 = performance.now();
    this.messagingMs += t1 - t0;
    if (this.firstFrameMs === 0) this.firstFrameMs = t1 - this.started;
  }
}
