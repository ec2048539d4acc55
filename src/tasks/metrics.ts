/**
 * The test metrics tasks report (`Task.test()` names them by key; hall-of-fame
 * records keep the key): each metric's words and direction, in one place, so
 * the paired comparison, the verdict, `hof` and the report agree on which way
 * is better and how to say it.
 */

export interface TestMetric {
  /** The key tasks report it under and records keep. */
  readonly key: string;
  /** In words, for headings and sentences. */
  readonly words: string;
  /** True for errors: a smaller value is better. */
  readonly lowerIsBetter: boolean;
}

export const TEST_METRICS: readonly TestMetric[] = [
  { key: 'accuracy', words: 'test accuracy', lowerIsBetter: false },
  { key: 'relative_error', words: 'relative L2 error', lowerIsBetter: true },
  // A task without a metric of its own reports its score (higher is better).
  { key: 'score', words: 'test score', lowerIsBetter: false },
];

/** The metric, or, for a key no task defines (a folder written by another version), its key read as words, higher better. */
export function testMetric(key: string): TestMetric {
  return TEST_METRICS.find((m) => m.key === key) ?? { key, words: key.replace(/_/g, ' '), lowerIsBetter: false };
}

/** A metric in words with its direction, e.g. "relative L2 error, lower is better". */
export function describeMetric(key: string): string {
  const m = testMetric(key);
  return `${m.words}, ${m.lowerIsBetter ? 'lower' : 'higher'} is better`;
}
