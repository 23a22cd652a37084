import { z } from 'zod';

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** A route's filter as relay holds it: each field path with one condition. */
const condition = z.union([
  z.object({ op: z.literal('eq'), value: scalar }),
  z.object({ op: z.literal('in'), values: z.array(scalar) }),
  z.object({ op: z.literal('not'), value: scalar }),
  z.object({ op: z.literal('exists'), value: z.boolean() }),
  z.object({ op: z.literal('prefix'), value: z.string() }),
]);

export const routeView = z.object({
  name: z.string(),
  from: z.union([z.literal('*'), z.array(z.string())]),
  types: z.union([z.literal('*'), z.array(z.string())]),
  filter: z.record(z.string(), condition).nullable(),
  to: z.array(z.string()),
  origin: z.enum(['file', 'api']),
});

export const routeList = z.object({ routes: z.array(routeView) });
