import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { ApiBody, ApiQuery } from '@nestjs/swagger';
import { validate } from '@evalroom/contracts';
import { z } from 'zod';

/** Validates a body/query with a contracts zod schema; 400 with the reasons otherwise. */
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(private readonly schema: S) {}
  transform(value: unknown): z.infer<S> {
    const r = validate(this.schema, value);
    if (!r.ok) throw new BadRequestException(`invalid request: ${r.reason}`);
    return r.value;
  }
}

/** OpenAPI body description from the same zod schema. */
export const ApiZodBody = (schema: z.ZodType) => ApiBody({ schema: openApiSchema(schema) });

/** JSON schema of a zod schema, without the draft marker OpenAPI 3.0 does not accept. */
export function openApiSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

/** OpenAPI query parameters from a zod object schema. */
export function ApiZodQuery(schema: z.ZodType): MethodDecorator {
  const json = openApiSchema(schema) as { properties?: Record<string, object>; required?: string[] };
  const decorators = Object.entries(json.properties ?? {}).map(([name, s]) =>
    ApiQuery({ name, required: (json.required ?? []).includes(name), schema: s }),
  );
  return (target, key, desc) => {
    for (const d of decorators) d(target, key, desc);
  };
}

/**
 * Parameter type for a validated body/query: `body: Infer<typeof Schema>`. Annotating with the
 * schema's own name would make decorator metadata point at the zod object, which confuses Swagger.
 */
export type Infer<S extends z.ZodType> = z.infer<S>;
