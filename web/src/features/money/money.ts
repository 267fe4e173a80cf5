// Amounts are the API's exact decimal strings ("12.50"): shown as they come, compared and scaled
// as integer cents, never as floating point.

const AMOUNT = /^(-?)(\d+)(?:\.(\d{1,2}))?$/;

/** "12.5" or "12.50" as 1250n; throws on anything that is not such a decimal. */
export function toCents(amount: string): bigint {
  const match = AMOUNT.exec(amount.trim());
  if (!match) throw new Error(`not a decimal amount: ${amount}`);
  const [, sign, whole, fraction = ''] = match;
  const cents = BigInt(whole ?? '0') * 100n + BigInt(fraction.padEnd(2, '0'));
  return sign === '-' ? -cents : cents;
}

/** The magnitude of an amount string, exactly: "-5.00" is "5.00". */
export const magnitude = (amount: string): string => amount.replace(/^-/, '');

/** How wide a bar for `amount` is next to one for `largest`, as a percentage (0..100). */
export function barPercent(amount: string | null | undefined, largest: bigint): number {
  if (amount === null || amount === undefined || largest <= 0n) return 0;
  const cents = toCents(amount);
  if (cents <= 0n) return 0;
  // Tenths of a percent in integers, then one division: exact enough for a bar, never a float sum.
  return Number((cents * 1000n) / largest) / 10;
}

/** The largest of some amounts, in cents (0n for none). */
export function largestCents(amounts: readonly (string | null | undefined)[]): bigint {
  let largest = 0n;
  for (const amount of amounts) {
    if (amount === null || amount === undefined) continue;
    const cents = toCents(amount);
    if (cents > largest) largest = cents;
  }
  return largest;
}

/** YYYY-MM of a date (UTC, as the API's defaults are). */
export const monthOf = (date: Date): string => date.toISOString().slice(0, 7);

/** YYYY-MM-DD of a date (UTC). */
export const dayOf = (date: Date): string => date.toISOString().slice(0, 10);

/** The month `delta` months from `month` (YYYY-MM). */
export function shiftMonth(month: string, delta: number): string {
  const [year, number] = month.split('-').map(Number) as [number, number];
  return monthOf(new Date(Date.UTC(year, number - 1 + delta, 1)));
}

/** The first and last day of a month, the inclusive `from` and `to` of GET /expenses. */
export function monthRange(month: string): { from: string; to: string } {
  const [year, number] = month.split('-').map(Number) as [number, number];
  return { from: `${month}-01`, to: dayOf(new Date(Date.UTC(year, number, 0))) };
}

/** A default date for a new expense in `month`: today if today is in it, else its first day. */
export function defaultExpenseDate(month: string, today: Date = new Date()): string {
  return monthOf(today) === month ? dayOf(today) : `${month}-01`;
}

export const EXPENSE_CATEGORIES = ['FOOD', 'DATA', 'TRANSPORT', 'MISCELLANEOUS'] as const;
export const BUDGET_CATEGORIES = ['FOOD', 'DATA', 'SAVINGS', 'TRANSPORT', 'MISCELLANEOUS'] as const;

export const categoryLabel = (category: string): string => category.charAt(0) + category.slice(1).toLowerCase();
