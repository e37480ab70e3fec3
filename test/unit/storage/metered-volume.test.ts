import { describe, expect, it } from 'vitest';
import { delayVolume } from '../../../src/storage/delayed-volume';
import { meterVolume } from '../../../src/storage/metered-volume';
import { createNodeVolume } from '../../../src/storage/node-volume';
import type { Volume } from '../../../src/storage/volume';
import { createTempDir } from './capture-logger';

async function withVolume(run: (dir: string) => Promise<void>): Promise<void> {
  const { dir, remove } = await createTempDir();
  try {
    await run(dir);
  } finally {
    await remove();
  }
}

describe('meterVolume', () => {
  it('counts operations started together as one round trip, and each one that waited for another as one more', () =>
    withVolume(async (dir) => {
      const meter = meterVolume(delayVolume(createNodeVolume(dir), 5));
      const { volume } = meter;
      // Round trip 1: three at once. 2: a read that needed the listing. 3: a write after that read.
      await Promise.all([volume.list('a'), volume.exists('b'), volume.read('c')]);
      await volume.read('d');
      await volume.write('e', '');
      expect(meter.counts()).toEqual({
        beforeModel: { roundTrips: 3, ops: 5 },
        afterModel: { roundTrips: 0, ops: 0 },
      });
    }));

  it('follows chains: a follow-up started while an unrelated operation is still running is still one deeper', () =>
    withVolume(async (dir) => {
      const disk = createNodeVolume(dir);
      // Writes take 60 ms here, everything else no time at all.
      const uneven: Volume = {
        ...disk,
        write: (path, data) =>
          new Promise((resolve) => setTimeout(resolve, 60)).then(() => disk.write(path, data)),
      };
      const meter = meterVolume(uneven);
      const { volume } = meter;
      await Promise.all([
        volume.write('slow', ''),
        (async () => {
          await volume.list('x');
          await volume.read('y');
          await volume.read('z');
        })(),
      ]);
      expect(meter.counts().beforeModel).toEqual({ roundTrips: 3, ops: 4 });
    }));

  it('counts each phase from its start; an operation belongs to the phase it started in', () =>
    withVolume(async (dir) => {
      const meter = meterVolume(delayVolume(createNodeVolume(dir), 5));
      const { volume } = meter;
      await volume.write('a', '');
      await volume.read('a');
      const late = volume.read('a');
      meter.enter('afterModel');
      await Promise.all([volume.write('b', ''), volume.write('c', '')]);
      await late;
      await volume.remove('b');
      expect(meter.counts()).toEqual({
        beforeModel: { roundTrips: 3, ops: 3 },
        afterModel: { roundTrips: 2, ops: 3 },
      });
    }));

  it('counts failed operations too', () =>
    withVolume(async (dir) => {
      const meter = meterVolume(createNodeVolume(dir));
      await expect(meter.volume.read('../outside')).rejects.toThrow(TypeError);
      expect(meter.counts().beforeModel).toEqual({ roundTrips: 1, ops: 1 });
    }));
});

describe('delayVolume', () => {
  it('delays every operation by the given time before it runs', () =>
    withVolume(async (dir) => {
      const volume = delayVolume(createNodeVolume(dir), 30);
      const started = performance.now();
      await volume.write('a', 'x');
      const reading = volume.read('a');
      expect(await reading).toBe('x');
      expect(performance.now() - started).toBeGreaterThanOrEqual(58);
    }));
});
