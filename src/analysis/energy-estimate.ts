import type { RunLevelDiff } from './run-level-diff.js';

/**
 * EnergyAssumptions turn CPU time into energy and CO2. Both are configurable (policy keys
 * `energy.watts_per_core` and `energy.grid_g_per_kwh`, flags `--watts-per-core` and
 * `--grid-intensity`) because both vary by an order of magnitude between machines and grids.
 *
 * Defaults: 4 W per busy core, in the range cloud-carbon estimators use for a fully busy vCPU
 * (Cloud Carbon Footprint's per-vCPU coefficients run from under 1 W idle to about 4 W busy),
 * and 475 g CO2e per kWh, the IEA's world-average grid intensity of recent years. Only the CPU's
 * share is counted: memory, disks, network, cooling (PUE) and embodied carbon are not.
 */
export interface EnergyAssumptions {
  wattsPerCore: number;
  gridGramsPerKwh: number;
}

export const DEFAULT_ENERGY_ASSUMPTIONS: EnergyAssumptions = { wattsPerCore: 4, gridGramsPerKwh: 475 };

/** EnergyEstimate is the CPU-time change expressed per 1,000 runs of the compared workload. */
export interface EnergyEstimate {
  label: 'estimate';
  /** cpu_s_per_run is the change of the median CPU seconds per run (head minus base). */
  cpu_s_per_run: number;
  /** wh_per_1000_runs and co2_g_per_1000_runs: positive costs more, negative saves. */
  wh_per_1000_runs: number;
  co2_g_per_1000_runs: number;
  significant: boolean;
  assumptions: { watts_per_core: number; grid_g_per_kwh: number };
  method: string;
}

/** estimateEnergy prices the CPU-time delta; null when the runs did not measure CPU time. */
export function estimateEnergy(runs: RunLevelDiff | null, a: EnergyAssumptions): EnergyEstimate | null {
  const cpu = runs?.metrics.find((m) => m.metric === 'cpu_s');
  if (!cpu) return null;
  const deltaS = cpu.head.median - cpu.base.median;
  const wh = (deltaS * a.wattsPerCore * 1000) / 3600;
  return {
    label: 'estimate',
    cpu_s_per_run: round(deltaS, 4),
    wh_per_1000_runs: round(wh, 4),
    co2_g_per_1000_runs: round((wh / 1000) * a.gridGramsPerKwh, 4),
    significant: cpu.significant,
    assumptions: { watts_per_core: a.wattsPerCore, grid_g_per_kwh: a.gridGramsPerKwh },
    method:
      'median CPU seconds per run (head - base) x watts per busy core x 1,000 runs; CO2 = energy x grid intensity; CPU only',
  };
}

function round(x: number, digits: number): number {
  return Number(x.toPrecision(digits));
}
