/**
 * The base optimizers a schedule (dlr rule) can drive. One list: option
 * parsers, config validation, job validation and task defaults all read it,
 * so adding an optimizer is this line plus its implementation in
 * `src/evaluator/optimizers.ts`.
 */
export const BASE_OPTIMIZERS = ['sgd', 'momentum', 'adam'] as const;

/** The base optimizer a schedule drives. */
export type BaseOptimizer = (typeof BASE_OPTIMIZERS)[number];

export function isBaseOptimizer(name: unknown): name is BaseOptimizer {
  return typeof name === 'string' && (BASE_OPTIMIZERS as readonly string[]).includes(name);
}
