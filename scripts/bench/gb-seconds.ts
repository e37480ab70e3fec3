import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSYaml } from '../lib/render-s-yaml';
import { mean, round } from './percentiles';

/** How gb_seconds_per_1000_messages is computed, as results.json states it. */
export const GB_SECONDS_FORMULA =
  'mean handler duration (s) × memorySize (GB, s.yaml) × 1000 messages; reply durations exclude the chat API ' +
  "stand-in's time. FC bills execution duration × memory; idle and cold-start time are not included.";

/** The memorySize (MB) s.yaml gives each function. */
export function readMemorySizes(): { conversation: number; reply: number } {
  const rendered = renderSYaml(readFileSync(join(__dirname, '..', '..', 's.yaml'), 'utf8'));
  const sizeOf = (name: string): number => {
    const size = (rendered.resources[name]?.props as { memorySize?: unknown } | undefined)?.memorySize;
    const mb = Number(size);
    if (!Number.isFinite(mb) || mb <= 0)
      throw new Error(`s.yaml: resources.${name}.props.memorySize is not set`);
    return mb;
  };
  return { conversation: sizeOf('conversation'), reply: sizeOf('reply') };
}

/** GB-seconds 1,000 messages cost each function, from measured handler durations (ms) and memory sizes (MB). */
export function computeGbSeconds(
  durationsMs: { conversation: readonly number[]; reply: readonly number[] },
  memoryMb: { conversation: number; reply: number },
): { conversation: number; reply: number } {
  const per1000 = (ms: readonly number[], mb: number) => round((mean(ms) / 1000) * (mb / 1024) * 1000, 4);
  return {
    conversation: per1000(durationsMs.conversation, memoryMb.conversation),
    reply: per1000(durationsMs.reply, memoryMb.reply),
  };
}
