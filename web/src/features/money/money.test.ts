import { describe, expect, it } from 'vitest';
import { barPercent, defaultExpenseDate, largestCents, magnitude, monthRange, shiftMonth, toCents } from './money';

describe('toCents', () => {
  it('reads decimal strings exactly, where floating point would not', () => {
    expect(toCents('12.50')).toBe(1250n);
    expect(toCents('12.5')).toBe(1250n);
    expect(toCents('0.10')).toBe(10n);
    expect(toCents('-5.00')).toBe(-500n);
    expect(toCents('1000000000.00')).toBe(100_000_000_000n);
    // 0.1 + 0.2 in cents, as the app adds them:
    expect(toCents('0.10') + toCents('0.20')).toBe(toCents('0.30'));
  });

  it('refuses what is not a two-decimal amount', () => {
    for (const bad of ['', '1.234', 'abc', '1e3', '1,00']) expect(() => toCents(bad)).toThrow();
  });
});

describe('bars', () => {
  it('scales to the largest amount', () => {
    const largest = largestCents(['300.00', null, '450.00', undefined]);
    expect(largest).toBe(45_000n);
    expect(barPercent('450.00', largest)).toBe(100);
    expect(barPercent('300.00', largest)).toBe(66.6);
    expect(barPercent(null, largest)).toBe(0);
    expect(barPercent('10.00', 0n)).toBe(0);
  });
});

it('magnitude strips a minus sign only', () => {
  expect(magnitude('-5.00')).toBe('5.00');
  expect(magnitude('5.00')).toBe('5.00');
});

describe('months', () => {
  it('moves across years', () => {
    expect(shiftMonth('2026-12', 1)).toBe('2027-01');
    expect(shiftMonth('2026-01', -1)).toBe('2025-12');
  });

  it('gives the first and last day, leap years included', () => {
    expect(monthRange('2028-02')).toEqual({ from: '2028-02-01', to: '2028-02-29' });
    expect(monthRange('2026-12')).toEqual({ from: '2026-12-01', to: '2026-12-31' });
  });

  it('defaults a new expense to today in the current month, else to the first day', () => {
    const today = new Date(Date.UTC(2026, 11, 4, 15));
    expect(defaultExpenseDate('2026-12', today)).toBe('2026-12-04');
    expect(defaultExpenseDate('2026-11', today)).toBe('2026-11-01');
  });
});
