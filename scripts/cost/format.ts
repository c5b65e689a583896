import type { CostReport } from './estimate';

const usd = (value: number) => `$${value.toFixed(2)}`;

function unitPrice(value: number): string {
  return `$${value < 0.01 && value > 0 ? value.toPrecision(3) : value.toFixed(value < 1 ? 4 : 2)}`;
}

/** A fixed-width table: resource, quantity, unit price, monthly USD; then total and delta to budget. */
export function formatReport(report: CostReport): string {
  const rows = [...report.lines]
    .sort((a, b) => b.monthlyUsd - a.monthlyUsd)
    .map((l) => [`${l.service}: ${l.resource}`, `${l.quantity} ${l.unit}`, unitPrice(l.unitPriceUsd), usd(l.monthlyUsd), l.detail]);
  const header = ['resource', 'quantity', 'unit price', 'monthly', 'how'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) =>
    r
      .map((cell, i) => {
        if (i === 2 || i === 3) return cell.padStart(widths[i]);
        return i === r.length - 1 ? cell : cell.padEnd(widths[i]);
      })
      .join('  ')
      .trimEnd();
  const status = report.withinBudget ? `${usd(report.delta)} under budget` : `${usd(-report.delta)} OVER budget`;
  return [
    `== ${report.env}: estimated monthly cost (us-east-1 ${report.pricing === 'committed' ? 'committed (1-year Savings Plan / reserved nodes)' : 'on-demand'} prices as of ${report.pricesAsOf})`,
    fmt(header),
    ...rows.map(fmt),
    '',
    `total ${usd(report.total)}  budget ${usd(report.budget)}  delta ${status}`,
  ].join('\n');
}

/** One row per environment, for docs/cost.md. */
export function formatSummary(reports: CostReport[]): string {
  return [
    '| environment | estimate (USD/month) | budget (USD/month) | headroom |',
    '|---|---:|---:|---:|',
    ...reports.map((r) => `| ${r.env} | ${r.total.toFixed(2)} | ${r.budget.toFixed(2)} | ${r.delta.toFixed(2)} (${((r.delta / r.budget) * 100).toFixed(0)}%) |`),
  ].join('\n');
}
