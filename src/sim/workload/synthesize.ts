import { createRng } from '../../model/rng.js';
import type { RequestType } from '../../model/types.js';
import { DIFFICULTY_RANGE, pickFromMix, pickType, SHARED_PREFIX, TEMPERATURE_MIX, TYPE_MIX } from './mix.js';
import type { TraceName, TraceRecord } from './trace.js';

/** A trace request with the features the traces lack, drawn deterministically from a seed. */
export interface WorkloadRequest extends TraceRecord {
  id: number;
  type: RequestType;
  difficulty: number;
  /** Index of the shared system prompt it starts with, or -1. */
  prefixGroup: number;
  /** Tokens of that shared prefix (part of inputTokens); 0 when none. */
  prefixTokens: number;
  /** Sampling temperature the client sends (TEMPERATURE_MIX). */
  temperature: number;
}

export interface SynthesizeOptions {
  trace: TraceName;
  seed: number;
}

const TEMPERATURE_STREAM = 0x7e3;

export function synthesizeWorkload(records: readonly TraceRecord[], options: SynthesizeOptions): WorkloadRequest[] {
  const random = createRng(options.seed);
  // A stream of its own, so adding temperatures left every other draw (types, difficulty, prefixes) as it was.
  const temperatureRandom = createRng(options.seed + TEMPERATURE_STREAM);
  const mix = TYPE_MIX[options.trace];
  const prefix = SHARED_PREFIX[options.trace];
  return records.map((r, id) => {
    const type = pickType(mix, random());
    const [low, high] = DIFFICULTY_RANGE[type];
    const difficulty = low + (high - low) * random();
    const shared = random() < prefix.share && r.inputTokens > prefix.tokens;
    return {
      ...r,
      id,
      type,
      difficulty,
      prefixGroup: shared ? Math.floor(random() * prefix.groups) : -1,
      prefixTokens: shared ? prefix.tokens : 0,
      temperature: pickFromMix(TEMPERATURE_MIX[type], temperatureRandom()),
    };
  });
}
