import { describe, expect, it } from 'vitest';
import { NO_FILTERS, appendPage, filterQuery, matchesFilters, placeTask, removeTask, type Task, type TaskPage } from './taskList';

function task(id: string, fields: Partial<Task> = {}): Task {
  const status = fields.status ?? 'pending';
  return {
    id,
    title: `task ${id}`,
    description: '',
    status,
    completed: status === 'completed',
    priority: 'medium',
    due_date: null,
    created_at: '2026-12-01T10:00:00.000Z',
    updated_at: '2026-12-01T10:00:00.000Z',
    version: 1,
    ...fields,
  };
}

const page = (ids: string[], nextCursor: string | null = null): TaskPage => ({ tasks: ids.map((id) => task(id)), nextCursor });
const ids = (list: TaskPage) => list.tasks.map((t) => t.id);

describe('filterQuery', () => {
  it('sends only the filters that are set', () => {
    expect(filterQuery(NO_FILTERS)).toEqual({});
    expect(filterQuery({ ...NO_FILTERS, status: 'in_progress', due_before: '2026-12-31' })).toEqual({ status: 'in_progress', due_before: '2026-12-31' });
  });
});

describe('matchesFilters', () => {
  it('follows the contract: strict due bounds, and no due date never matches a due filter', () => {
    const due = task('a', { due_date: '2026-12-10', priority: 'high' });
    expect(matchesFilters(due, { ...NO_FILTERS, due_after: '2026-12-09' })).toBe(true);
    expect(matchesFilters(due, { ...NO_FILTERS, due_after: '2026-12-10' })).toBe(false);
    expect(matchesFilters(due, { ...NO_FILTERS, due_before: '2026-12-10' })).toBe(false);
    expect(matchesFilters(due, { ...NO_FILTERS, due_before: '2026-12-11', priority: 'high' })).toBe(true);
    expect(matchesFilters(task('b'), { ...NO_FILTERS, due_before: '2030-01-01' })).toBe(false);
  });

  it('matches completed and status', () => {
    const done = task('a', { status: 'completed' });
    expect(matchesFilters(done, { ...NO_FILTERS, completed: 'true' })).toBe(true);
    expect(matchesFilters(done, { ...NO_FILTERS, completed: 'false' })).toBe(false);
    expect(matchesFilters(done, { ...NO_FILTERS, status: 'pending' })).toBe(false);
  });
});

describe('appendPage', () => {
  it('adds the next page without doubling a task a live update already placed', () => {
    const list = appendPage(page(['09', '08']), { results: [task('08'), task('07')], next_cursor: 'c2' });
    expect(ids(list)).toEqual(['09', '08', '07']);
    expect(list.nextCursor).toBe('c2');
  });
});

describe('placeTask', () => {
  it('puts a new task in order, newest first', () => {
    expect(ids(placeTask(page(['09', '05']), task('07'), NO_FILTERS))).toEqual(['09', '07', '05']);
    expect(ids(placeTask(page(['09', '05']), task('10'), NO_FILTERS))).toEqual(['10', '09', '05']);
  });

  it('replaces a task in place', () => {
    const updated = placeTask(page(['09', '05']), task('05', { title: 'renamed', version: 2 }), NO_FILTERS);
    expect(ids(updated)).toEqual(['09', '05']);
    expect(updated.tasks[1]?.title).toBe('renamed');
  });

  it('drops a task that no longer matches the filters, and ignores one that never did', () => {
    const filters = { ...NO_FILTERS, status: 'pending' as const };
    expect(ids(placeTask(page(['09', '05']), task('05', { status: 'completed' }), filters))).toEqual(['09']);
    const list = page(['09']);
    expect(placeTask(list, task('10', { status: 'completed' }), filters)).toBe(list);
  });

  it('leaves a task that belongs after the loaded ones to "load more"', () => {
    const list = page(['09', '05'], 'cursor');
    expect(placeTask(list, task('03'), NO_FILTERS)).toBe(list);
    expect(ids(placeTask(page(['09', '05']), task('03'), NO_FILTERS))).toEqual(['09', '05', '03']);
  });
});

it('removeTask removes by id', () => {
  expect(ids(removeTask(page(['09', '05']), '09'))).toEqual(['05']);
});
