/** AMR-NB frames last 20 ms each. */
const FRAME_MS = 20;
// Frame type 15 (no data) with the quality bit set: a frame of silence with no speech bits.
const SILENT_FRAME = 0x7c;

/**
 * The recording behind a voice message in the playground: `durationMs` of silence as an AMR-NB file (DingTalk's
 * voice format). Only its download code matters: the robot reads DingTalk's transcript, never the sound.
 */
export function silentVoiceClip(durationMs: number): Buffer {
  const frames = Math.max(1, Math.ceil(durationMs / FRAME_MS));
  return Buffer.concat([Buffer.from('#!AMR\n', 'latin1'), Buffer.alloc(frames, SILENT_FRAME)]);
}
