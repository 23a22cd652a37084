import { z } from 'zod';
import pkg from '../../package.json' with { type: 'json' };
import { configJsonSchema } from '../config/json-schema.ts';
import type { Route } from './router.ts';
import { relayErrorAnswer, sendBlueErrorAnswer } from './schemas/common.ts';
import type { openApiAnswer } from './schemas/config.ts';
import { configShaped } from './schemas/managed.ts';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, unknown>; required?: string[] };

const JSON_MEDIA = 'application/json';

/** The errors each route may answer, with what they mean here. */
const errorMeaning: Record<number, string> = {
  400: 'a bad body or query, or no X-Relay-Reason while admin.require_reason is on (RELAY_ERR_BAD_REQUEST)',
  401: 'no bearer token, or a wrong one (RELAY_ERR_UNAUTHORIZED)',
  403: "the token's role is below this route's x-relay-role (RELAY_ERR_FORBIDDEN)",
  404: 'no such object (RELAY_ERR_NOT_FOUND)',
  409: 'the change does not apply in the current state, or the object comes from the file (RELAY_ERR_CONFLICT)',
  413: 'the body is over the admin limit (RELAY_ERR_BODY_TOO_LARGE)',
  500: 'an internal error (RELAY_ERR_INTERNAL)',
  503: 'storage busy or full, or relay is shutting down: try again (Retry-After)',
};

type OpenApiDocument = z.infer<typeof openApiAnswer>;

const documents = new WeakMap<readonly Route[], OpenApiDocument>();

/**
 * The OpenAPI 3.1 document of the admin API, generated from the route table:
 * each route's body and answer schema are the zod schemas the router checks
 * with and the handlers are typed by, turned into JSON Schema 2020-12 (what
 * OpenAPI 3.1 uses). Managed endpoint and route bodies show the config's
 * own schema, which is what checks them. Built once per table.
 */
export function openApiDocument(routes: readonly Route[]): OpenApiDocument {
  let document = documents.get(routes);
  if (!document) {
    document = build(routes);
    documents.set(routes, document);
  }
  return document;
}

function build(routes: readonly Route[]): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = `/admin/${route.path}`;
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(route) };
  }
  return {
    openapi: '3.1.1',
    info: {
      title: 'relay admin API',
      version: pkg.version,
      description:
        'The operator API on the admin listener. Changes are recorded in the audit log (GET /admin/audit) with the X-Relay-Reason header.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'admin.token (every right) or one of admin.tokens, whose role limits what it may call',
        },
      },
      schemas: {
        RelayError: jsonSchema(relayErrorAnswer, 'output'),
        SendBlueError: jsonSchema(sendBlueErrorAnswer, 'output'),
      },
    },
  };
}

function operation(route: Route): Record<string, unknown> {
  const names = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  // The webhooks API answers errors in SendBlue's shape, which its users' code reads.
  const errorSchema = route.path === 'webhooks' ? 'SendBlueError' : 'RelayError';
  const errors = [400, 401, 403, 500, 503];
  if (names.length > 0) errors.push(404);
  if (route.action) errors.push(409);
  if (route.body) errors.push(413);
  return {
    operationId: operationId(route),
    'x-relay-role': route.role,
    ...(route.action ? { 'x-relay-audit-action': route.action } : {}),
    ...(names.length > 0
      ? {
          parameters: names.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
        }
      : {}),
    ...(route.body
      ? { requestBody: { required: false, content: { [JSON_MEDIA]: { schema: bodySchema(route.body) } } } }
      : {}),
    responses: {
      [String(route.status ?? 200)]: {
        description: 'done',
        // A stream route's answer is Server-Sent Events: the schema is of one event's `data:` line.
        content: {
          [route.stream ? 'text/event-stream' : JSON_MEDIA]: { schema: jsonSchema(route.answer, 'output') },
        },
      },
      ...Object.fromEntries(
        errors
          .sort((a, b) => a - b)
          .map((status) => [
            String(status),
            {
              description: errorMeaning[status],
              content: { [JSON_MEDIA]: { schema: { $ref: `#/components/schemas/${errorSchema}` } } },
            },
          ]),
      ),
    },
  };
}

/** `POST endpoints/{name}/replay` → `postEndpointsNameReplay`. */
function operationId(route: Route): string {
  const words = [route.method.toLowerCase(), ...route.path.split(/[^A-Za-z0-9]+/).filter(Boolean)];
  return words.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join('');
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io }) as JsonSchema;
  return rest;
}

/** A body as the router checks it; a managed endpoint or route as the config schema does. */
function bodySchema(body: z.ZodType): JsonSchema {
  const own = jsonSchema(body, 'input');
  const shaped = configShaped.get(body);
  if (!shaped) return own;
  const config = configJsonSchema() as {
    properties: { endpoints: { additionalProperties: JsonSchema }; routes: { items: JsonSchema } };
  };
  const piece =
    shaped.kind === 'endpoint'
      ? config.properties.endpoints.additionalProperties
      : config.properties.routes.items;
  const { required: pieceRequired = [], properties: pieceProperties = {}, ...rest } = piece;
  const name = own.properties?.name;
  if (shaped.naming === 'patch') {
    // A JSON merge patch: any key may be left out, and null removes one (but a name stays).
    const nullable = Object.entries(pieceProperties).map(([key, value]) => [
      key,
      { anyOf: [value, { type: 'null' }] },
    ]);
    return { ...rest, properties: { ...Object.fromEntries(nullable), name } };
  }
  const properties = { ...pieceProperties, name };
  const required = [
    ...pieceRequired.filter((key) => key !== 'name'),
    ...(shaped.naming === 'required' ? ['name'] : []),
  ];
  return { ...rest, properties, ...(required.length > 0 ? { required } : {}) };
}
