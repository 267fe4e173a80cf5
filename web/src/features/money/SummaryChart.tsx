// The month's summary as a bar chart: for each category, its budget and what was spent, scaled to
// the largest amount of the month; a category over budget is marked in colour and in words.
import type { components } from '../../api/schema';
import { barPercent, categoryLabel, largestCents, magnitude } from './money';

type Summary = components['schemas']['Summary'];

export function SummaryChart({ summary }: { summary: Summary }) {
  if (summary.categories.length === 0) {
    return <p className="empty">No budgets or spending this month yet.</p>;
  }
  const largest = largestCents(summary.categories.flatMap((row) => [row.budget, row.spent]));
  return (
    <figure className="chart">
      <ul aria-label="Budget against spent per category">
        {summary.categories.map((row) => (
          <li key={row.category} className={row.over ? 'over' : undefined} aria-label={describe(row)}>
            <span className="chart-label">{categoryLabel(row.category)}</span>
            <span className="bars" aria-hidden="true">
              <span className="bar budget" style={{ width: `${barPercent(row.budget, largest)}%` }} />
              <span className="bar spent" style={{ width: `${barPercent(row.spent, largest)}%` }} />
            </span>
            <span className="chart-figures">
              {row.spent} of {row.budget ?? 'no budget'}
              {row.over && row.remaining && <strong className="over-label"> over by {magnitude(row.remaining)}</strong>}
            </span>
          </li>
        ))}
      </ul>
      <figcaption>
        Total: {summary.total_spent} spent of {summary.total_budget} budgeted. <span className="key budget">budget</span>{' '}
        <span className="key spent">spent</span>
      </figcaption>
    </figure>
  );
}

function describe(row: Summary['categories'][number]): string {
  const budget = row.budget === null || row.budget === undefined ? 'no budget' : `a budget of ${row.budget}`;
  const over = row.over && row.remaining ? `, over budget by ${magnitude(row.remaining)}` : '';
  return `${categoryLabel(row.category)}: ${row.spent} spent against ${budget}${over}`;
}
