export interface BenchFigure {
  readonly value: number;
  readonly unit: string;
  readonly baseline: number;
  /** value / baseline */
  readonly ratio: number;
  readonly better: 'higher' | 'lower';
}
export declare function figure(value: number, baseline: number, unit: string, better: 'higher' | 'lower', digits?: number): BenchFigure;
export declare function writeResults(packageName: string, figures: Readonly<Record<string, BenchFigure>>): string;
export declare function median(values: readonly number[]): number;
