/** Environment as FC passes it: every value a string, possibly empty. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A value taken from the first of several accepted names that is set (non-empty after trimming). */
export interface EnvValue {
  name: string;
  value: string;
}

/** Reads the first non-empty variable among `names` (new name first, legacy aliases after); empty means unset. */
export function readEnv(env: Env, names: readonly string[]): EnvValue | undefined {
  for (const name of names) {
    const raw = env[name];
    if (raw === undefined) continue;
    const value = raw.trim();
    if (value !== '') return { name, value };
  }
  return undefined;
}
