import { z } from 'zod';

// The config.json an upload holds, as the contract describes it. It is read by parseDockerConfigFile
// (Go's decoding: keys matched case-insensitively, the legacy ~/.dockercfg layout converted), which
// decides what is accepted and answers its own errors; this schema says what a caller should send.
// As in Go, a null entry or field is read as absent.

const authEntrySchema = z.looseObject({
  auth: z.string().nullable().optional().meta({ description: 'base64 of `username:password`' }),
  username: z.string().nullable().optional(),
  password: z.string().nullable().optional(),
  email: z.string().nullable().optional(),
});

export const dockerConfigFileSchema = z
  .looseObject({
    auths: z
      .record(z.string(), authEntrySchema.nullable())
      .optional()
      .meta({ description: 'Each registry server and its credentials (`auth`, or `username` and `password`).' }),
  })
  .meta({
    id: 'DockerConfigFile',
    description:
      'The contents of ~/.docker/config.json: only `auths` is read (a legacy ~/.dockercfg, servers at the top, is converted; `credsStore` and `credHelpers` hold no credentials to read).',
    example: { auths: { 'registry.example.com': { auth: 'amFuZWRvZTpzM2NyM3Q=' } } },
  });
