/**
 * GET /api/openapi.json: the admin API described as OpenAPI 3.1, its parameters and bodies generated
 * from the very zod schemas the routes validate with (zod's own JSON Schema output), so the document
 * cannot drift from what the routes accept.
 */
import { Router } from 'express';
import { z } from 'zod';
import { messageSearchQuery } from './messages';
import { bulkReplayBody, deadLetterQuery } from './dead-letters';
import { pauseBody } from './partners';
import { auditQuery } from './audit';

/** JSON Schema of what a request may send (defaults optional), without the draft marker OpenAPI does not want. */
function schemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return rest;
}

/** One query parameter per property of an object schema. */
function queryParameters(schema: z.ZodObject): object[] {
  const json = schemaOf(schema) as { properties?: Record<string, object>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    schema: s,
  }));
}

const pathId = (what: string) => ({
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: what,
});
const error = { $ref: '#/components/responses/Error' };
const json = (description: string) => ({
  description,
  content: { 'application/json': { schema: { type: 'object' } } },
});

function operation(
  summary: string,
  role: 'auditor' | 'operator',
  extra: object = {},
  ok: object = json('done'),
  status = role === 'operator' ? '202' : '200',
): object {
  return {
    summary,
    description: role === 'operator' ? 'Operators only: an auditor gets 403 EDIGW_ADMIN_FORBIDDEN.' : 'Every role.',
    ...extra,
    responses: { [status]: ok, '4XX': error, '5XX': error },
  };
}

export function openApiDocument(version: string): object {
  const raw = {
    required: true,
    content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
  };
  return {
    openapi: '3.1.0',
    info: { title: 'edi-gateway admin API', version, description: 'docs/admin-api.md tells the whole contract.' },
    security: [{ bearer: [] }],
    paths: {
      '/health': {
        get: {
          summary: 'health for load balancers',
          security: [],
          responses: { '200': json('healthy'), '503': json('unhealthy') },
        },
      },
      '/api/audit': {
        get: operation('the audit trail: operator actions, newest first', 'auditor', {
          parameters: queryParameters(auditQuery),
        }),
      },
      '/api/messages': {
        get: operation('search messages, newest first', 'auditor', { parameters: queryParameters(messageSearchQuery) }),
      },
      '/api/messages/{id}': {
        get: operation("a message's lineage", 'auditor', { parameters: [pathId('message id')] }),
      },
      '/api/messages/{id}/payload': {
        get: operation(
          'the raw bytes as received or sent',
          'auditor',
          { parameters: [pathId('message id')] },
          {
            description: 'the bytes',
            content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
          },
        ),
      },
      '/api/dead-letters': {
        get: operation('dead letters, the latest first', 'auditor', { parameters: queryParameters(deadLetterQuery) }),
      },
      '/api/deliveries/{id}/replay': {
        post: operation('replay one dead letter', 'operator', {
          parameters: [pathId('delivery id, or its outbound message id')],
        }),
      },
      '/api/messages/{id}/replay': {
        post: operation('process again a message whose processing was dead-lettered', 'operator', {
          parameters: [pathId('inbound message id')],
        }),
      },
      '/api/dead-letters/replay': {
        post: operation('replay the dead letters a filter selects', 'operator', {
          requestBody: { required: true, content: { 'application/json': { schema: schemaOf(bulkReplayBody) } } },
        }),
      },
      '/api/partners/{id}/submit': {
        post: operation('take in a file as if the partner had sent it', 'operator', {
          parameters: [pathId('partner id'), { name: 'fileName', in: 'query', schema: { type: 'string' } }],
          requestBody: raw,
        }),
      },
      '/api/partners/{id}/send': {
        post: operation("send a document through one of the partner's endpoints", 'operator', {
          parameters: [
            pathId('partner id'),
            { name: 'endpoint', in: 'query', required: true, schema: { type: 'string' } },
            { name: 'fileName', in: 'query', schema: { type: 'string' } },
          ],
          requestBody: raw,
        }),
      },
      '/api/partners': {
        get: operation(
          'per partner: health, last message in and out, counts since midnight UTC, open deliveries, certificate expiry, pollers, pause',
          'auditor',
        ),
      },
      '/api/partners/{id}': {
        get: operation("one partner's health, as in the list", 'auditor', { parameters: [pathId('partner id')] }),
      },
      '/api/partners/{id}/check': {
        post: operation(
          'connectivity check: reach each AS2 URL, log in to each SFTP or FTP server and list its folder (each bounded to 10 s)',
          'operator',
          { parameters: [pathId('partner id')] },
          json('one result per endpoint and poller'),
          '200',
        ),
      },
      ...Object.fromEntries(
        (['pause', 'resume'] as const).map((action) => [
          `/api/partners/{id}/${action}`,
          {
            post: operation(
              action === 'pause'
                ? "hold the partner's outbound deliveries in the queue (kept across restarts)"
                : "let the partner's outbound deliveries go again, at once",
              'operator',
              {
                parameters: [pathId('partner id')],
                requestBody: { required: false, content: { 'application/json': { schema: schemaOf(pauseBody) } } },
              },
              json('the partner state after'),
              '200',
            ),
          },
        ]),
      ),
      '/api/report': {
        get: operation('the audit report', 'auditor', {
          parameters: ['from', 'to', 'partner'].map((name) => ({ name, in: 'query', schema: { type: 'string' } })),
        }),
      },
      '/api/report/certificates': {
        get: operation('certificates expiring within 30 days', 'auditor', {
          parameters: [{ name: 'partner', in: 'query', schema: { type: 'string' } }],
        }),
      },
      '/api/openapi.json': { get: operation('this document', 'auditor') },
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'admin.token, or a user of admin.users (a tokenHash user presents name:token)',
        },
      },
      responses: {
        Error: {
          description: 'an error, with its stable code (docs/errors.md)',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  error: {
                    type: 'object',
                    properties: { code: { type: 'string', pattern: '^EDIGW_' }, message: { type: 'string' } },
                    required: ['code', 'message'],
                  },
                },
                required: ['error'],
              },
            },
          },
        },
      },
    },
  };
}

export function openApiRouter(version: string): Router {
  const r = Router();
  const doc = openApiDocument(version);
  r.get('/openapi.json', (_req, res) => {
    res.status(200).json(doc);
  });
  return r;
}
