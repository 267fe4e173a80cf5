// Money, one month at a time: the summary chart (budget against spent per category), the month's
// budgets and expenses, and forms to add them. Amounts are sent as typed and shown as the API's
// exact strings. A change made elsewhere (live update) reloads the month.
import { useCallback, useEffect, useState } from 'react';
import { ifMatch } from '../../api/client';
import { ApiError, asApiError } from '../../api/errors';
import type { components } from '../../api/schema';
import { useSession } from '../../auth/session';
import { ActionForm, FormError, SelectField, TextField, useAction } from '../../components/forms';
import { useLiveEvents } from '../../live/LiveProvider';
import { BUDGET_CATEGORIES, EXPENSE_CATEGORIES, categoryLabel, defaultExpenseDate, monthOf, monthRange, shiftMonth } from './money';
import { SummaryChart } from './SummaryChart';

type Expense = components['schemas']['Expense'];
type Budget = components['schemas']['Budget'];
type Summary = components['schemas']['Summary'];

const PAGE_SIZE = 50;

interface MonthData {
  summary: Summary;
  budgets: Budget[];
  expenses: Expense[];
  nextCursor: string | null;
}

export function MoneyPage() {
  const { api } = useSession();
  const [month, setMonth] = useState(() => monthOf(new Date()));
  const [category, setCategory] = useState('');
  const [data, setData] = useState<MonthData | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [version, setVersion] = useState(0);
  const reload = useCallback(() => setVersion((n) => n + 1), []);

  const expensesPage = useCallback(
    (cursor: string | null) =>
      api.authed(() =>
        api.client.GET('/expenses', {
          params: { query: { ...monthRange(month), ...(category ? { category: category as Expense['category'] } : {}), limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) } },
        }),
      ),
    [api, month, category],
  );

  useEffect(() => {
    let current = true;
    setError(null);
    Promise.all([
      api.authed(() => api.client.GET('/budgets/summary', { params: { query: { month } } })),
      api.authed(() => api.client.GET('/budgets', { params: { query: { month, limit: 100 } } })),
      expensesPage(null),
    ])
      .then(([summary, budgets, expenses]) => {
        if (current) setData({ summary, budgets: budgets.results, expenses: expenses.results, nextCursor: expenses.next_cursor ?? null });
      })
      .catch((caught: unknown) => current && setError(asApiError(caught)));
    return () => {
      current = false;
    };
  }, [api, month, expensesPage, version]);

  useLiveEvents(['expense', 'budget'], reload);

  const loadMore = async () => {
    if (!data?.nextCursor) return;
    try {
      const page = await expensesPage(data.nextCursor);
      setData({ ...data, expenses: [...data.expenses, ...page.results], nextCursor: page.next_cursor ?? null });
    } catch (caught) {
      setError(asApiError(caught));
    }
  };

  return (
    <main>
      <h1>Money</h1>
      <div className="month-picker" role="group" aria-label="Month">
        <button type="button" className="secondary" onClick={() => setMonth(shiftMonth(month, -1))} aria-label="Previous month">
          ←
        </button>
        <TextField label="Month" name="month" type="month" value={month} onChange={(e) => e.target.value && setMonth(e.target.value)} />
        <button type="button" className="secondary" onClick={() => setMonth(shiftMonth(month, 1))} aria-label="Next month">
          →
        </button>
      </div>
      {error && <FormError error={error} />}
      {data && (
        <>
          <section aria-labelledby="summary-title" className="card">
            <h2 id="summary-title">Budget against spending, {month}</h2>
            <SummaryChart summary={data.summary} />
          </section>
          <div className="columns">
            <section aria-labelledby="budgets-title">
              <h2 id="budgets-title">Budgets</h2>
              <NewBudget month={month} onSaved={reload} />
              <ul className="cards" aria-label="Budgets">
                {data.budgets.map((budget) => (
                  <BudgetItem key={budget.id} budget={budget} onChanged={reload} />
                ))}
              </ul>
              {data.budgets.length === 0 && <p className="empty">No budgets for {month}.</p>}
            </section>
            <section aria-labelledby="expenses-title">
              <h2 id="expenses-title">Expenses</h2>
              <NewExpense month={month} onSaved={reload} />
              <SelectField
                label="Show category"
                name="category"
                value={category}
                onChange={(e) => setCategory(e.target.value)}
                options={[['', 'All'], ...EXPENSE_CATEGORIES.map((c) => [c, categoryLabel(c)] as const)]}
              />
              <ul className="cards" aria-label="Expenses">
                {data.expenses.map((expense) => (
                  <ExpenseItem key={expense.id} expense={expense} onChanged={reload} />
                ))}
              </ul>
              {data.expenses.length === 0 && <p className="empty">No expenses here.</p>}
              {data.nextCursor && (
                <button type="button" onClick={() => void loadMore()}>
                  Load more
                </button>
              )}
            </section>
          </div>
        </>
      )}
    </main>
  );
}

function NewExpense({ month, onSaved }: { month: string; onSaved: () => void }) {
  const { api } = useSession();
  const [form, setForm] = useState({ amount: '', category: 'FOOD', date: defaultExpenseDate(month), description: '' });
  useEffect(() => setForm((now) => ({ ...now, date: defaultExpenseDate(month) })), [month]);
  const set = (name: keyof typeof form) => (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value });
  const { run, pending, error } = useAction(async () => {
    await api.authed(() =>
      api.client.POST('/expenses', {
        body: { amount: form.amount.trim(), category: form.category as Expense['category'], date: form.date, description: form.description },
      }),
    );
    setForm({ ...form, amount: '', description: '' });
    onSaved();
  });
  return (
    <ActionForm className="card" aria-label="New expense" action={run}>
      <div className="row">
        <TextField label="Amount" name="amount" inputMode="decimal" value={form.amount} onChange={set('amount')} error={error} placeholder="12.50" required />
        <SelectField label="Category" name="category" value={form.category} onChange={set('category')} error={error} options={EXPENSE_CATEGORIES.map((c) => [c, categoryLabel(c)] as const)} />
        <TextField label="Date" name="date" type="date" value={form.date} onChange={set('date')} error={error} />
      </div>
      <TextField label="Description" name="description" value={form.description} onChange={set('description')} error={error} />
      <FormError error={error} fields={['amount', 'category', 'date', 'description']} />
      <button type="submit" disabled={pending}>
        Add expense
      </button>
    </ActionForm>
  );
}

function NewBudget({ month, onSaved }: { month: string; onSaved: () => void }) {
  const { api } = useSession();
  const [form, setForm] = useState({ amount: '', category: 'FOOD' });
  const set = (name: keyof typeof form) => (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value });
  const { run, pending, error } = useAction(async () => {
    await api.authed(() =>
      api.client.POST('/budgets', { body: { amount: form.amount.trim(), category: form.category as Budget['category'], month } }),
    );
    setForm({ ...form, amount: '' });
    onSaved();
  });
  return (
    <ActionForm className="card" aria-label="New budget" action={run}>
      <div className="row">
        <TextField label="Budget amount" name="amount" inputMode="decimal" value={form.amount} onChange={set('amount')} error={error} placeholder="300.00" required />
        <SelectField label="Budget category" name="category" value={form.category} onChange={set('category')} error={error} options={BUDGET_CATEGORIES.map((c) => [c, categoryLabel(c)] as const)} />
      </div>
      <FormError error={error} fields={['amount', 'category']} />
      <button type="submit" disabled={pending}>
        Add budget
      </button>
    </ActionForm>
  );
}

/** A write with If-Match; a 412 or 404 (changed or deleted elsewhere) is said, and the month reloads. */
function useGuardedWrite(onChanged: () => void) {
  const [stale, setStale] = useState(false);
  const guarded = async (write: () => Promise<unknown>) => {
    setStale(false);
    try {
      await write();
    } catch (error) {
      if (error instanceof ApiError && (error.status === 412 || error.status === 404)) setStale(true);
      else throw error;
    }
    onChanged();
  };
  return { stale, guarded };
}

/** Why a budget's or an expense's write did not happen: changed elsewhere meanwhile, or an error. */
function WriteProblems({ stale, error }: { stale: boolean; error: ApiError | null }) {
  return (
    <>
      {stale && (
        <p className="conflict" role="alert">
          This was changed or deleted elsewhere; the list now shows the latest. Try again if you still want to.
        </p>
      )}
      <FormError error={error} />
    </>
  );
}

function BudgetItem({ budget, onChanged }: { budget: Budget; onChanged: () => void }) {
  const { api } = useSession();
  const [amount, setAmount] = useState<string | null>(null);
  const { stale, guarded } = useGuardedWrite(onChanged);
  const path = { id: budget.id };
  const header = { 'If-Match': ifMatch(budget.version) };
  const save = useAction(() =>
    guarded(async () => {
      await api.authed(() => api.client.PATCH('/budgets/{id}', { params: { path, header }, body: { amount: (amount ?? '').trim() } }));
      setAmount(null);
    }),
  );
  const remove = useAction(() => guarded(() => api.authed(() => api.client.DELETE('/budgets/{id}', { params: { path, header } }))));
  const label = categoryLabel(budget.category);
  return (
    <li className="card">
      {amount === null ? (
        <div className="line">
          <span>
            <strong>{label}</strong> {budget.amount}
          </span>
          <span className="actions">
            <button type="button" className="secondary" onClick={() => setAmount(budget.amount)} aria-label={`Change the ${label} budget`}>
              Change
            </button>
            <button type="button" className="danger" onClick={() => void remove.run()} aria-label={`Delete the ${label} budget`}>
              Delete
            </button>
          </span>
        </div>
      ) : (
        <ActionForm action={save.run}>
          <TextField label={`${label} budget`} name="amount" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} error={save.error} />
          <FormError error={save.error} fields={['amount']} />
          <button type="submit">Save</button>{' '}
          <button type="button" className="secondary" onClick={() => setAmount(null)}>
            Cancel
          </button>
        </ActionForm>
      )}
      <WriteProblems stale={stale} error={remove.error} />
    </li>
  );
}

function ExpenseItem({ expense, onChanged }: { expense: Expense; onChanged: () => void }) {
  const { api } = useSession();
  const { stale, guarded } = useGuardedWrite(onChanged);
  const remove = useAction(() =>
    guarded(() =>
      api.authed(() => api.client.DELETE('/expenses/{id}', { params: { path: { id: expense.id }, header: { 'If-Match': ifMatch(expense.version) } } })),
    ),
  );
  return (
    <li className="card">
      <div className="line">
        <span>
          <strong>{expense.amount}</strong> {categoryLabel(expense.category)} · {expense.date}
          {expense.description && <> · {expense.description}</>}
        </span>
        <button type="button" className="danger" onClick={() => void remove.run()} aria-label={`Delete the expense of ${expense.amount} on ${expense.date}`}>
          Delete
        </button>
      </div>
      <WriteProblems stale={stale} error={remove.error} />
    </li>
  );
}
