/**
 * Budgets other than a task's own: a campaign config's "budgets" or
 * `--budgets` on `evolve`, `eval` and `baselines`. An override names, per fidelity, the budget fields
 * to change (e.g. {"full": {"epochs": 150}}); the rest keep the task's
 * values. Overrides are plain data so that they cross the worker boundary in
 * a job and are saved in the campaign's config.
 */
import { FIDELITIES, type Budget, type BudgetField, type Fidelity, type Task } from './task.js';
import { InputError } from '../errors.js';

export type BudgetChanges = Readonly<Partial<Record<BudgetField, number>>>;
export type BudgetOverride = Readonly<Partial<Record<Fidelity, BudgetChanges>>>;

/** Largest value each field takes: far above any sensible run, low enough to refuse a typo's extra zeros. */
const LIMITS: Readonly<Record<BudgetField, number>> = {
  epochs: 1_000_000,
  batchSize: 1_000_000,
  trainSamples: 10_000_000,
  fitnessSamples: 10_000_000,
  points: 1_000_000,
};
export const BUDGET_FIELDS = Object.keys(LIMITS) as BudgetField[];

export class BudgetError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'BudgetError';
  }
}

/**
 * Checks the shape of an override (fidelities, field names, positive
 * integers); `where` names it in messages, e.g. '"budgets"' or '--budgets'.
 * Whether a task reads the fields is checked when it is applied.
 */
export function parseBudgetOverride(raw: unknown, where: string): BudgetOverride {
  const example = '{"cheap": {"epochs": 30}, "full": {"epochs": 150, "points": 200}}';
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BudgetError(`${where} must be an object by fidelity, e.g. ${example}`);
  const out: Partial<Record<Fidelity, BudgetChanges>> = {};
  for (const [fidelity, changes] of Object.entries(raw)) {
    if (!(FIDELITIES as readonly string[]).includes(fidelity)) {
      throw new BudgetError(`${where}: unknown fidelity "${fidelity}" (known: ${FIDELITIES.join(', ')}), e.g. ${example}`);
    }
    if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) {
      throw new BudgetError(`${where}.${fidelity} must be an object of budget fields (${BUDGET_FIELDS.join(', ')})`);
    }
    const fields: Partial<Record<BudgetField, number>> = {};
    for (const [field, value] of Object.entries(changes)) {
      if (!(BUDGET_FIELDS as readonly string[]).includes(field)) {
        throw new BudgetError(`${where}.${fidelity}: unknown budget field "${field}" (known: ${BUDGET_FIELDS.join(', ')})`);
      }
      const limit = LIMITS[field as BudgetField];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > limit) {
        throw new BudgetError(`${where}.${fidelity}.${field} must be an integer from 1 to ${limit}, not ${JSON.stringify(value)}`);
      }
      fields[field as BudgetField] = value;
    }
    out[fidelity as Fidelity] = fields;
  }
  return out;
}

/**
 * Two overrides as one, fidelity by fidelity: `over`'s fields replace
 * `under`'s, the rest of `under` stays (a campaign's per-task budgets over
 * its budgets for every task).
 */
export function layerOverrides(under: BudgetOverride | undefined, over: BudgetOverride | undefined): BudgetOverride | undefined {
  if (isEmptyOverride(over)) return under;
  if (isEmptyOverride(under)) return over;
  const out: Partial<Record<Fidelity, BudgetChanges>> = {};
  for (const f of FIDELITIES) {
    const merged = { ...(under?.[f] ?? {}), ...(over?.[f] ?? {}) };
    if (Object.keys(merged).length > 0) out[f] = merged;
  }
  return out;
}

/** True when the override changes nothing (absent, or only empty fidelities). */
export function isEmptyOverride(override: BudgetOverride | undefined): boolean {
  return override === undefined || FIDELITIES.every((f) => Object.keys(override[f] ?? {}).length === 0);
}

/** `task` with the override applied; refuses fields the task does not read, and a cheap budget above the full one. */
export function applyBudgetOverride(task: Task, override: BudgetOverride | undefined): Task {
  if (isEmptyOverride(override)) return task;
  const budgets = {} as Record<Fidelity, Budget>;
  for (const fidelity of FIDELITIES) {
    const changes = override?.[fidelity] ?? {};
    for (const field of Object.keys(changes) as BudgetField[]) {
      if (!task.budgetFields.includes(field)) {
        throw new BudgetError(`task ${task.name} does not read the budget field "${field}" (its fields: ${task.budgetFields.join(', ')})`);
      }
    }
    const { summary: _summary, ...own } = task.budgets[fidelity];
    const merged = { ...own, ...changes };
    budgets[fidelity] = { ...merged, summary: task.describeBudget(merged) };
  }
  if (budgets.cheap.epochs > budgets.full.epochs) {
    throw new BudgetError(`task ${task.name}: the cheap budget (${budgets.cheap.summary}) trains longer than the full one (${budgets.full.summary})`);
  }
  return task.withBudgets(budgets);
}

/** A stable text of an override for cache keys: fields in a fixed order, so equal overrides give equal keys. */
export function overrideKey(override: BudgetOverride | undefined): string {
  if (isEmptyOverride(override)) return '';
  return FIDELITIES.map((f) => `${f}:${BUDGET_FIELDS.flatMap((k) => (override?.[f]?.[k] !== undefined ? [`${k}=${override[f]?.[k]}`] : [])).join(',')}`).join(';');
}
