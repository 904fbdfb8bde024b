// zod/mini: same validation engine, tree-shakeable.
import * as z from 'zod/mini';

/**
 * Configuration from environment variables, parsed and validated once at init. An invalid
 * value fails the cold start with a message naming the variable.
 */
const int = (name: string, def: number, min: number, max: number) =>
  z.pipe(
    z.optional(z.string()),
    z.transform((raw: string | undefined, ctx: { issues: z.core.$ZodRawIssue[] }) => {
      if (raw === undefined || raw.trim() === '') return def;
      const n = Number(raw);
      if (Number.isInteger(n) && n >= min && n <= max) return n;
      ctx.issues.push({ code: 'custom', input: raw, message: `${name} must be an integer between ${min} and ${max}, got "${raw}"` });
      return z.NEVER;
    }),
  );

const envSchema = z.object({
  WORKER_PARALLELISM: int('WORKER_PARALLELISM', 2, 1, 10),
});

export interface WorkerConfig {
  /** Records of one batch in flight at once; with the event source's maximum concurrency it bounds the store's load. */
  readonly parallelism: number;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new Error(`Invalid configuration: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return { parallelism: parsed.data.WORKER_PARALLELISM };
}
