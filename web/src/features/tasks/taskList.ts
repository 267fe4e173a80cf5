// The task list's rules, apart from React: which query a set of filters makes, whether a task
// belongs in the filtered list, and how a live update changes the list on screen.
import type { components, operations } from '../../api/schema';

export type Task = components['schemas']['Task'];
export type TaskQuery = NonNullable<operations['list_tasks']['parameters']['query']>;
export type TaskStatus = Task['status'];
export type TaskPriority = Task['priority'];

export interface TaskFilters {
  status: TaskStatus | '';
  completed: '' | 'true' | 'false';
  priority: TaskPriority | '';
  /** Due strictly after this date (YYYY-MM-DD), or ''. */
  due_after: string;
  /** Due strictly before this date, or ''. */
  due_before: string;
}

export const NO_FILTERS: TaskFilters = { status: '', completed: '', priority: '', due_after: '', due_before: '' };

/** The query of GET /tasks for these filters: only the filters that are set. */
export function filterQuery(filters: TaskFilters): TaskQuery {
  const query: TaskQuery = {};
  if (filters.status !== '') query.status = filters.status;
  if (filters.completed !== '') query.completed = filters.completed;
  if (filters.priority !== '') query.priority = filters.priority;
  if (filters.due_after !== '') query.due_after = filters.due_after;
  if (filters.due_before !== '') query.due_before = filters.due_before;
  return query;
}

/** Whether the API would list this task under these filters (the contract's rules, client-side). */
export function matchesFilters(task: Task, filters: TaskFilters): boolean {
  if (filters.status !== '' && task.status !== filters.status) return false;
  if (filters.completed !== '' && task.completed !== (filters.completed === 'true')) return false;
  if (filters.priority !== '' && task.priority !== filters.priority) return false;
  if (filters.due_after !== '' || filters.due_before !== '') {
    const due = task.due_date ?? null;
    if (due === null) return false;
    if (filters.due_after !== '' && !(due > filters.due_after)) return false;
    if (filters.due_before !== '' && !(due < filters.due_before)) return false;
  }
  return true;
}

/** A page of the list as the screen holds it: the tasks so far, and where the next page starts. */
export interface TaskPage {
  tasks: Task[];
  nextCursor: string | null;
}

/** Newest first: ids are time-ordered, so a later id is a newer task. */
const newerFirst = (a: Task, b: Task): number => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** The list after another page arrived (a task already shown, moved by a live update, is not doubled). */
export function appendPage(list: TaskPage, page: { results: Task[]; next_cursor?: string | null }): TaskPage {
  const shown = new Set(list.tasks.map((task) => task.id));
  return {
    tasks: [...list.tasks, ...page.results.filter((task) => !shown.has(task.id))],
    nextCursor: page.next_cursor ?? null,
  };
}

/**
 * Places a task that was created or changed elsewhere: replaced where it is, dropped if it no longer
 * matches the filters, inserted in order if it now does, unless it would sort after the last task
 * loaded while more pages remain (then "load more" brings it, in its place).
 */
export function placeTask(list: TaskPage, task: Task, filters: TaskFilters): TaskPage {
  const others = list.tasks.filter((shown) => shown.id !== task.id);
  const wasShown = others.length !== list.tasks.length;
  if (!matchesFilters(task, filters)) return wasShown ? { ...list, tasks: others } : list;
  const last = list.tasks[list.tasks.length - 1];
  if (!wasShown && list.nextCursor !== null && last !== undefined && task.id < last.id) return list;
  return { ...list, tasks: [...others, task].sort(newerFirst) };
}

export function removeTask(list: TaskPage, id: string): TaskPage {
  return { ...list, tasks: list.tasks.filter((task) => task.id !== id) };
}

export const STATUS_LABELS: Record<TaskStatus, string> = {
  pending: 'Pending',
  in_progress: 'In progress',
  completed: 'Completed',
};

export const PRIORITY_LABELS: Record<TaskPriority, string> = { low: 'Low', medium: 'Medium', high: 'High' };
