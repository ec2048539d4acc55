/** The part of jStat (which ships no types) that autolr uses. */
declare module 'jstat' {
  interface StudentT {
    /** Quantile: the x with P(T ≤ x) = p for Student's t with `dof` degrees of freedom. */
    inv(p: number, dof: number): number;
  }
  export const jStat: { studentt: StudentT };
}
