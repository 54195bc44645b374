/** Records one procedure call; the server backs it with prom-client. */
export interface ProcedureMetrics {
  observe(procedure: string, type: string, outcome: string, seconds: number): void;
}
