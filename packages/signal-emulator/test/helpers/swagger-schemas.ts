// Validators built from the vendored swagger.json (contract/README.md). Its `definitions` are
// draft-04 JSON schema inside Swagger 2.0, so ajv-draft-04 compiles them with two adjustments,
// both applied to a copy and documented in the README:
//  1. signal-cli emits null for record fields without NON_NULL (CONTRACT.md §B), which the
//     generated schemas do not model: exactly those fields are widened to allow null.
//  2. `receive.*` objects get `additionalProperties: false`, so a misspelt key in an emitted
//     envelope fails instead of passing unnoticed (the schemas list every field signal-cli has).
import { readFileSync } from 'node:fs';
import AjvModule from 'ajv-draft-04';

type Schema = Record<string, unknown>;

const swagger = JSON.parse(readFileSync(new URL('../../contract/swagger.json', import.meta.url), 'utf8')) as {
  definitions: Record<string, Schema>;
  paths: Record<string, Record<string, { responses: Record<string, { schema?: Schema }>; parameters?: { in: string; schema?: Schema }[] }>>;
};

/** Fields signal-cli always writes, possibly as null (its records without @JsonInclude(NON_NULL)). */
const nullable: Readonly<Record<string, readonly string[]>> = {
  'receive.MessageEnvelope': ['source', 'sourceNumber', 'sourceUuid', 'sourceName', 'sourceDevice'],
  'receive.DataMessage': ['message', 'expiresInSeconds'],
  'receive.SyncDataMessage': ['destination', 'destinationNumber', 'destinationUuid', 'message', 'expiresInSeconds'],
  'receive.Attachment': ['filename', 'id', 'size', 'width', 'height', 'caption', 'uploadTimestamp'],
  'receive.GroupInfo': ['groupName'],
  'receive.Reaction': ['targetAuthorNumber', 'targetAuthorUuid'],
  'receive.Quote': ['author', 'authorNumber', 'authorUuid', 'text'],
  'receive.Mention': ['name', 'number', 'uuid'],
  'receive.RecipientAddress': ['uuid', 'number', 'username'],
  'receive.PollCreate': ['question'],
  'receive.PollVote': ['authorNumber', 'authorUuid'],
  'receive.PinMessage': ['targetAuthorNumber', 'targetAuthorUuid'],
  'receive.UnpinMessage': ['targetAuthorNumber', 'targetAuthorUuid'],
  'receive.AdminDelete': ['targetAuthorNumber', 'targetAuthorUuid'],
  'receive.Payment': ['note'],
  'receive.SharedContact': ['organization'],
  'receive.ContactName': ['nickname', 'given', 'family', 'prefix', 'suffix', 'middle'],
  'receive.ContactPhone': ['label'],
  'receive.ContactEmail': ['label'],
};

function adjustedDefinitions(): Record<string, Schema> {
  const definitions = structuredClone(swagger.definitions);
  for (const [name, definition] of Object.entries(definitions)) {
    if (!name.startsWith('receive.')) continue;
    if (definition['type'] === 'object') definition['additionalProperties'] = false;
    const properties = (definition['properties'] ?? {}) as Record<string, Schema>;
    for (const field of nullable[name] ?? []) {
      const property = properties[field];
      if (property !== undefined && typeof property['type'] === 'string') property['type'] = [property['type'], 'null'];
    }
  }
  return definitions;
}

const Ajv = AjvModule.default;
const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addKeyword('example');
ajv.addSchema({ id: 'swagger.json', definitions: adjustedDefinitions() });

export function validateDefinition(name: string, value: unknown): string[] {
  return validate({ $ref: `swagger.json#/definitions/${name}` }, value);
}

/** The response schema swagger declares for a path, method and status. */
export function validateResponse(path: string, method: string, status: number, value: unknown): string[] {
  const schema = swagger.paths[path]?.[method]?.responses[String(status)]?.schema;
  if (schema === undefined) return [`swagger declares no schema for ${method.toUpperCase()} ${path} ${status}`];
  return validate(qualify(schema), value);
}

export function validateRequestBody(path: string, method: string, value: unknown): string[] {
  const schema = swagger.paths[path]?.[method]?.parameters?.find((parameter) => parameter.in === 'body')?.schema;
  if (schema === undefined) return [`swagger declares no body for ${method.toUpperCase()} ${path}`];
  return validate(qualify(schema), value);
}

function validate(schema: Schema, value: unknown): string[] {
  const check = ajv.compile(schema);
  return check(value) ? [] : (check.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'invalid'}`);
}

/** Path-level schemas refer to `#/definitions/…` of swagger.json. */
function qualify(schema: Schema): Schema {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/definitions/', '"swagger.json#/definitions/')) as Schema;
}
