import { z } from 'zod';

const envSchema = z.record(
  z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]*$/)
    .refine((key) => !key.startsWith('FC_'), 'FC_ is reserved for the platform'),
  z.string(),
);

/**
 * The fc3 props this project uses, with the keys and ranges fc3's schema and the FC 3.0 API accept
 * (function-compute.md §5, §6.1, §8.1); strict, so a typo fails.
 */
export const fc3PropsSchema = z.strictObject({
  region: z.string().min(1),
  functionName: z.string().regex(/^[_a-zA-Z][-_a-zA-Z0-9]*$/),
  description: z.string().max(256),
  runtime: z.literal('nodejs20'),
  handler: z.literal('index.handler'),
  code: z.string().startsWith('./dist/'),
  cpu: z.number().min(0.05).max(16),
  memorySize: z.number().int().min(128).max(32768).multipleOf(64),
  diskSize: z.union([z.literal(512), z.literal(10240)]),
  timeout: z.number().int().min(1).max(86400),
  internetAccess: z.boolean(),
  role: z.string().min(1),
  environmentVariables: envSchema,
  ossMountConfig: z
    .strictObject({
      mountPoints: z.array(
        z.strictObject({
          bucketName: z.string().min(1),
          bucketPath: z.string().startsWith('/').optional(),
          endpoint: z.string().url(),
          mountDir: z.string().startsWith('/mnt/'),
          readOnly: z.boolean().optional(),
        }),
      ),
    })
    .optional(),
  // fc3 creates an SLS project and logstore for `auto`; an object names existing ones.
  logConfig: z
    .union([
      z.literal('auto'),
      z.strictObject({
        project: z.string().min(1),
        logstore: z.string().min(1),
        enableRequestMetrics: z.boolean().optional(),
        enableInstanceMetrics: z.boolean().optional(),
        logBeginRule: z.enum(['DefaultRegex', 'None']).optional(),
      }),
    ])
    .optional(),
  asyncInvokeConfig: z
    .strictObject({
      qualifier: z.string().optional(),
      asyncTask: z.boolean(),
      maxAsyncRetryAttempts: z.number().int().min(0).max(8),
      maxAsyncEventAgeInSeconds: z.number().int().min(1).max(604800),
    })
    .optional(),
  triggers: z
    .array(
      z.strictObject({
        triggerName: z.string().min(1),
        triggerType: z.literal('http'),
        qualifier: z.string().optional(),
        triggerConfig: z.strictObject({
          authType: z.enum(['anonymous', 'function', 'jwt']),
          methods: z.array(z.enum(['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS'])),
          disableURLInternet: z.boolean().optional(),
        }),
      }),
    )
    .optional(),
});

/** Props of one fc3 function, as validated. */
export type Fc3Props = z.infer<typeof fc3PropsSchema>;
