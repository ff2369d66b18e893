/** The collapsed "every run" list that ends each scenario's section, so readers can judge the spread. */
export function everyRun(log: readonly string[]): string[] {
  return ['<details><summary>every run</summary>', '', ...log.map((line) => `    ${line}`), '', '</details>'];
}
