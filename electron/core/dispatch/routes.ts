import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ChainStep, type Route, TASK_TYPES, type TaskType } from '../../../shared/domain';
import { AppError } from '../../../shared/result';
import type { Clock } from '../ports';
import { type Catalog, formatJsonPath, resolveModel } from '../providers/catalog';
import type { DispatchSettings } from '../store';

const ROUTES_FILE = path.join('resources', 'routes.json');

const ShippedRoute = z.strictObject({
  label: z.string().min(1),
  chain: z.array(ChainStep).min(1, 'a route needs at least one provider').max(8, 'at most 8 steps'),
  /** Falling through on content_blocked is opt-in, per route. */
  allowContentFallthrough: z.boolean().default(false),
});

/** resources/routes.json: data, not code. Every task type must have a route. */
const RoutesFile = z.strictObject({
  version: z.literal(1),
  routes: z.record(z.enum(TASK_TYPES), ShippedRoute),
});

export type ShippedRoutes = z.infer<typeof RoutesFile>['routes'];

export class RoutesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RoutesError';
  }
}

export function parseRoutes(data: unknown, source = 'routes'): ShippedRoutes {
  const parsed = RoutesFile.safeParse(data);
  if (parsed.success) return parsed.data.routes;
  const problems = parsed.error.issues.map((issue) => `${formatJsonPath(issue.path)}: ${issue.message}`);
  throw new RoutesError(`${source} is invalid: ${problems.join('; ')}`);
}

/** Reads and validates resources/routes.json (found by walking up from this module, as the catalog is). */
export function loadRoutes(file?: string): ShippedRoutes {
  const where = file ?? findDefaultRoutes();
  let text: string;
  try {
    text = readFileSync(where, 'utf8');
  } catch (error) {
    throw new RoutesError(`Cannot read the routes file ${where}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new RoutesError(`The routes file ${where} is not valid JSON: ${(error as Error).message}`);
  }
  return parseRoutes(data, `The routes file ${where}`);
}

function findDefaultRoutes(): string {
  let dir = import.meta.dirname;
  for (;;) {
    const candidate = path.join(dir, ROUTES_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new RoutesError(
    `Cannot find ${ROUTES_FILE} above ${import.meta.dirname}; pass its path to loadRoutes.`,
  );
}

/** Task type -> chain: the shipped routes, each replaceable by the user's own (stored in settings). */
export interface RouteBook {
  list(): Route[];
  get(taskType: TaskType): Route;
  /** Validates every step against the catalog (known provider, known and active model) before storing. */
  set(taskType: TaskType, chain: ChainStep[], allowContentFallthrough: boolean): Route;
  reset(taskType: TaskType): Route;
}

export function createRouteBook(deps: {
  shipped: ShippedRoutes;
  settings: DispatchSettings;
  catalog: Catalog;
  clock: Clock;
}): RouteBook {
  const { shipped, settings, catalog, clock } = deps;
  let overrides = settings.routeOverrides();

  function get(taskType: TaskType): Route {
    const base = shipped[taskType];
    const own = overrides[taskType];
    return {
      taskType,
      label: base.label,
      chain: (own ?? base).chain.map((step) => ({ ...step })),
      allowContentFallthrough: (own ?? base).allowContentFallthrough,
      customized: own !== undefined,
    };
  }

  return {
    list: () => TASK_TYPES.map(get),
    get,
    set(taskType, chain, allowContentFallthrough) {
      chain.forEach((step, i) => {
        try {
          resolveModel(catalog, step.provider, step.model);
        } catch (error) {
          if (error instanceof AppError) {
            throw new AppError('invalid_input', `chain.${i}: ${error.message}`, {
              issues: (error.issues ?? [{ path: [], message: error.message }]).map((issue) => ({
                path: ['chain', i, ...issue.path],
                message: issue.message,
              })),
              ...(error.fix ? { fix: error.fix } : {}),
              ...(error.details ? { details: error.details } : {}),
            });
          }
          throw error;
        }
      });
      settings.setRouteOverride(taskType, { chain, allowContentFallthrough }, clock.now());
      overrides = settings.routeOverrides();
      return get(taskType);
    },
    reset(taskType) {
      settings.setRouteOverride(taskType, null, clock.now());
      overrides = settings.routeOverrides();
      return get(taskType);
    },
  };
}
