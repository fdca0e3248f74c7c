/**
 * Checks real answers of the JSON API against its own OpenAPI document (§8: the document describes
 * the API): the status is one the operation lists, the content type one that status lists, and a
 * JSON body validates against that status's schema (types, required keys, nullability, enums,
 * formats such as date-time, no undocumented keys), and every header the status documents as
 * required is there (a 401's WWW-Authenticate, a 429's Retry-After). Used by conformance.test.ts.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { LightMyRequestResponse } from 'fastify';

// ajv-formats is CommonJS: its function is the module's default under NodeNext.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

const DOCUMENT_ID = 'https://helpdesk.test/api/openapi.json';

/** `/paths/…` as a JSON pointer segment (RFC 6901). */
const pointer = (...segments: string[]) => segments.map((s) => '/' + s.replaceAll('~', '~0').replaceAll('/', '~1')).join('');

export interface Answer {
  method: string;
  /** The document's path template, such as /api/v1/tickets/{reference}. */
  path: string;
  response: LightMyRequestResponse;
}

/** `value` matched in any letter case: each letter as a class of both (`[Hh][Ii]…`). */
const anyCase = (value: string) => [...value].map((c) => (c.toLowerCase() === c.toUpperCase() ? c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : `[${c.toLowerCase()}${c.toUpperCase()}]`)).join('');

/**
 * A copy of `value` (a part of the document) in which every schema marked `x-any-case` takes its
 * enum's values in any letter case and with spaces around, as the API does (api-schemas.ts
 * `parsed`): its enum becomes the equivalent pattern, so `?priority=MEDIUM` is documented.
 */
function withAnyCaseEnums(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withAnyCaseEnums);
  if (typeof value !== 'object' || value === null) return value;
  const copy = Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withAnyCaseEnums(inner)]));
  if (copy['x-any-case'] !== true || !Array.isArray(copy.enum)) return copy;
  const { enum: values, ...rest } = copy as { enum: string[] };
  return { ...rest, pattern: `^\\s*(?:${values.map(anyCase).join('|')})\\s*$` };
}

export function conformanceChecker(document: any) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema({ $id: DOCUMENT_ID, ...(withAnyCaseEnums({ components: document.components, paths: document.paths }) as object) });

  const compiled = new Map<string, ReturnType<Ajv2020['compile']>>();
  /** The validator of the schema at this pointer into the document (compiled once). */
  const validatorAt = (...segments: string[]) => {
    const ref = `${DOCUMENT_ID}#${pointer(...segments)}`;
    if (!compiled.has(ref)) compiled.set(ref, ajv.compile({ $ref: ref }));
    return compiled.get(ref)!;
  };
  const errorsOf = (where: string, validate: ReturnType<Ajv2020['compile']>) =>
    (validate.errors ?? []).map((e) => `${where}: ${e.instancePath || '(body)'} ${e.message}${e.params ? ' ' + JSON.stringify(e.params) : ''}`);

  /**
   * What the document says is wrong with a request the API accepted (a 2xx): a query parameter it
   * does not list or whose value its schema refuses, a JSON body its request schema refuses. The
   * document must not refuse what the API takes, or a client generated from it cannot send it.
   */
  function requestProblemsOf({ method, path, query, body }: { method: string; path: string; query: string; body: unknown }): string[] {
    const where = `${method.toUpperCase()} ${path} (request)`;
    const operation = document.paths[path]?.[method.toLowerCase()];
    if (!operation) return [`${where}: no such operation in the document`];
    const problems: string[] = [];
    const parameters: { in: string; name: string }[] = operation.parameters ?? [];
    // A route that takes no query parameters ignores them (README, JSON API: strict query strings).
    const strict = parameters.some((p) => p.in === 'query');
    for (const [name, value] of new URLSearchParams(query)) {
      const index = parameters.findIndex((p) => p.in === 'query' && p.name === name);
      if (index === -1) {
        if (strict) problems.push(`${where}: query parameter ${name} not documented`);
      }
      else {
        const validate = validatorAt('paths', path, method.toLowerCase(), 'parameters', String(index), 'schema');
        if (!validate(value)) problems.push(...errorsOf(`${where} ?${name}=${value}`, validate));
      }
    }
    const content = operation.requestBody?.content;
    if (body !== undefined && content?.['application/json']) {
      const validate = validatorAt('paths', path, method.toLowerCase(), 'requestBody', 'content', 'application/json', 'schema');
      if (!validate(body)) problems.push(...errorsOf(where, validate));
    }
    return problems;
  }

  /** What is wrong with one answer, in words; empty when it is what the document says. */
  function problemsOf({ method, path, response }: Answer): string[] {
    const where = `${method.toUpperCase()} ${path} → ${response.statusCode}`;
    const operation = document.paths[path]?.[method.toLowerCase()];
    if (!operation) return [`${where}: no such operation in the document`];
    const status = String(response.statusCode);
    const described = operation.responses[status];
    if (!described) return [`${where}: status not documented (has ${Object.keys(operation.responses).join(', ')}): ${response.body.slice(0, 200)}`];
    const headerProblems = Object.entries<{ required?: boolean; schema?: unknown }>(described.headers ?? {}).flatMap(([name, header]) => {
      const value = response.headers[name.toLowerCase()];
      if (value === undefined) return header.required ? [`${where}: documented header ${name} missing`] : [];
      // A header is text; an integer one (Retry-After) is checked as the number its digits spell.
      const text = String(value);
      const validate = validatorAt('paths', path, method.toLowerCase(), 'responses', status, 'headers', name, 'schema');
      return validate(/^[0-9]+$/.test(text) ? Number(text) : text) ? [] : errorsOf(`${where} header ${name}: ${text}`, validate);
    });
    return [...headerProblems, ...bodyProblemsOf()];

    /** What is wrong with its content type and body. */
    function bodyProblemsOf(): string[] {
      const type = String(response.headers['content-type'] ?? '')
        .split(';')[0]!
        .trim()
        .toLowerCase();
      const content: Record<string, unknown> | undefined = described.content;
      if (!content) return response.body === '' ? [] : [`${where}: documented without a body, answered ${type}: ${response.body.slice(0, 200)}`];
      const mediaType = type in content ? type : '*/*' in content ? '*/*' : undefined;
      if (mediaType === undefined) return [`${where}: content type ${type || '(none)'} not documented (has ${Object.keys(content).join(', ')})`];
      if (mediaType !== 'application/json') return [];
      let body: unknown;
      try {
        body = JSON.parse(response.body);
      } catch {
        return [`${where}: not JSON: ${response.body.slice(0, 200)}`];
      }
      const validate = validatorAt('paths', path, method.toLowerCase(), 'responses', status, 'content', mediaType, 'schema');
      return validate(body) ? [] : errorsOf(where, validate);
    }
  }

  return { problemsOf, requestProblemsOf };
}
