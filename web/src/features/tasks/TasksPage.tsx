// Tasks: the filtered list with "load more", a form for a new task, and each task editable in
// place. Writes carry If-Match, so a change made elsewhere meanwhile is shown, never overwritten
// unknowingly; live updates keep the list current.
import { useCallback, useEffect, useState } from 'react';
import { ifMatch } from '../../api/client';
import { ApiError, asApiError } from '../../api/errors';
import type { operations } from '../../api/schema';
import { useSession } from '../../auth/session';
import { ActionForm, FormError, SelectField, TextField, useAction } from '../../components/forms';
import { useLiveEvents } from '../../live/LiveProvider';
import {
  NO_FILTERS,
  PRIORITY_LABELS,
  STATUS_LABELS,
  appendPage,
  filterQuery,
  placeTask,
  removeTask,
  type Task,
  type TaskFilters,
  type TaskPage,
} from './taskList';

const PAGE_SIZE = 20;
const STATUS_OPTIONS = Object.entries(STATUS_LABELS) as [Task['status'], string][];
const PRIORITY_OPTIONS = Object.entries(PRIORITY_LABELS) as [Task['priority'], string][];
const TASK_FIELDS = ['title', 'description', 'status', 'priority', 'due_date', 'completed'];

export function TasksPage() {
  const { api } = useSession();
  const [filters, setFilters] = useState<TaskFilters>(NO_FILTERS);
  const [list, setList] = useState<TaskPage>({ tasks: [], nextCursor: null });
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiError | null>(null);

  const fetchPage = useCallback(
    (cursor: string | null) =>
      api.authed(() =>
        api.client.GET('/tasks', { params: { query: { ...filterQuery(filters), limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) } } }),
      ),
    [api, filters],
  );

  useEffect(() => {
    let current = true;
    setLoading(true);
    setError(null);
    fetchPage(null)
      .then((page) => current && setList(appendPage({ tasks: [], nextCursor: null }, page)))
      .catch((caught: unknown) => current && setError(asApiError(caught)))
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
  }, [fetchPage]);

  const loadMore = async () => {
    setLoading(true);
    try {
      const page = await fetchPage(list.nextCursor);
      setList((now) => appendPage(now, page));
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setLoading(false);
    }
  };

  useLiveEvents(['task'], (event) => {
    setList((now) => (event.action === 'deleted' ? removeTask(now, event.object.id) : placeTask(now, event.object as Task, filters)));
  });

  const changed = (task: Task) => setList((now) => placeTask(now, task, filters));
  const removed = (id: string) => setList((now) => removeTask(now, id));

  return (
    <main>
      <h1>Tasks</h1>
      <NewTask onCreated={changed} />
      <Filters filters={filters} onChange={setFilters} />
      {error && <FormError error={error} />}
      <ul className="cards" aria-label="Tasks" aria-busy={loading}>
        {list.tasks.map((task) => (
          <TaskItem key={task.id} task={task} onChanged={changed} onRemoved={removed} />
        ))}
      </ul>
      {!loading && list.tasks.length === 0 && !error && <p className="empty">No tasks here yet.</p>}
      {list.nextCursor !== null && (
        <button type="button" onClick={() => void loadMore()} disabled={loading}>
          Load more
        </button>
      )}
    </main>
  );
}

function Filters({ filters, onChange }: { filters: TaskFilters; onChange: (filters: TaskFilters) => void }) {
  const set = (name: keyof TaskFilters) => (event: { target: { value: string } }) => onChange({ ...filters, [name]: event.target.value });
  return (
    <fieldset className="filters">
      <legend>Filter</legend>
      <SelectField label="Status" name="status" value={filters.status} onChange={set('status')} options={[['', 'Any'], ...STATUS_OPTIONS]} />
      <SelectField label="Done" name="completed" value={filters.completed} onChange={set('completed')} options={[['', 'Any'], ['true', 'Done'], ['false', 'Not done']]} />
      <SelectField label="Priority" name="priority" value={filters.priority} onChange={set('priority')} options={[['', 'Any'], ...PRIORITY_OPTIONS]} />
      <TextField label="Due after" name="due_after" type="date" value={filters.due_after} onChange={set('due_after')} />
      <TextField label="Due before" name="due_before" type="date" value={filters.due_before} onChange={set('due_before')} />
      <button type="button" className="secondary" onClick={() => onChange(NO_FILTERS)}>
        Clear filters
      </button>
    </fieldset>
  );
}

interface Draft {
  title: string;
  description: string;
  status: Task['status'];
  priority: Task['priority'];
  due_date: string;
}

const draftOf = (task: Task): Draft => ({
  title: task.title,
  description: task.description,
  status: task.status,
  priority: task.priority,
  due_date: task.due_date ?? '',
});

const EMPTY_DRAFT: Draft = { title: '', description: '', status: 'pending', priority: 'medium', due_date: '' };

type TaskPatch = operations['update_task']['requestBody']['content']['application/json'];

/** The PATCH body of what a draft changes in a task (only the fields that differ), or null for none. */
function changes(task: Task, draft: Draft): TaskPatch | null {
  const before = draftOf(task);
  const body: Partial<Pick<Task, 'title' | 'description' | 'status' | 'priority' | 'due_date'>> = {};
  if (draft.title !== before.title) body.title = draft.title;
  if (draft.description !== before.description) body.description = draft.description;
  if (draft.status !== before.status) body.status = draft.status;
  if (draft.priority !== before.priority) body.priority = draft.priority;
  if (draft.due_date !== before.due_date) body.due_date = draft.due_date === '' ? null : draft.due_date;
  // The contract's PATCH body names at least one field, which TypeScript cannot see in a Partial.
  return Object.keys(body).length > 0 ? (body as TaskPatch) : null;
}

function DraftFields({ draft, onChange, error, withStatus }: { draft: Draft; onChange: (draft: Draft) => void; error: ApiError | null; withStatus: boolean }) {
  const set = (name: keyof Draft) => (event: { target: { value: string } }) => onChange({ ...draft, [name]: event.target.value });
  return (
    <>
      <TextField label="Title" name="title" value={draft.title} onChange={set('title')} error={error} required maxLength={200} />
      <TextField label="Description" name="description" value={draft.description} onChange={set('description')} error={error} />
      <div className="row">
        {withStatus && <SelectField label="Status" name="status" value={draft.status} onChange={set('status')} error={error} options={STATUS_OPTIONS} />}
        <SelectField label="Priority" name="priority" value={draft.priority} onChange={set('priority')} error={error} options={PRIORITY_OPTIONS} />
        <TextField label="Due date" name="due_date" type="date" value={draft.due_date} onChange={set('due_date')} error={error} />
      </div>
    </>
  );
}

function NewTask({ onCreated }: { onCreated: (task: Task) => void }) {
  const { api } = useSession();
  const [draft, setDraft] = useState<Draft>(EMPTY_DRAFT);
  const { run, pending, error } = useAction(async () => {
    const task = await api.authed(() =>
      api.client.POST('/tasks', {
        body: { title: draft.title, description: draft.description, priority: draft.priority, due_date: draft.due_date === '' ? null : draft.due_date },
      }),
    );
    onCreated(task);
    setDraft(EMPTY_DRAFT);
  });
  return (
    <ActionForm className="card" action={run} aria-label="New task">
      <h2>New task</h2>
      <DraftFields draft={draft} onChange={setDraft} error={error} withStatus={false} />
      <FormError error={error} fields={TASK_FIELDS} />
      <button type="submit" disabled={pending}>
        Add task
      </button>
    </ActionForm>
  );
}

/** A write refused because the task changed meanwhile: the version now stored, or null if it is gone. */
interface Conflict {
  latest: Task | null;
}

function TaskItem({ task, onChanged, onRemoved }: { task: Task; onChanged: (task: Task) => void; onRemoved: (id: string) => void }) {
  const { api } = useSession();
  const [editing, setEditing] = useState<Draft | null>(null);
  /** The version the edit started from: If-Match names it, even if a live update shows a newer one. */
  const [base, setBase] = useState<Task>(task);
  const [conflict, setConflict] = useState<Conflict | null>(null);

  const latest = async (): Promise<Task | null> => {
    try {
      return await api.authed(() => api.client.GET('/tasks/{id}', { params: { path: { id: task.id } } }));
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  };

  /** Runs a write made against `version`; a 412 becomes a conflict to resolve, with the stored task. */
  const guarded = async (write: () => Promise<void>) => {
    try {
      await write();
      setConflict(null);
    } catch (error) {
      if (error instanceof ApiError && (error.status === 412 || error.status === 404)) {
        const now = await latest();
        setConflict({ latest: now });
        if (now) onChanged(now);
        return;
      }
      throw error;
    }
  };

  const patch = (body: TaskPatch, version: number) =>
    guarded(async () => {
      const saved = await api.authed(() =>
        api.client.PATCH('/tasks/{id}', { params: { path: { id: task.id }, header: { 'If-Match': ifMatch(version) } }, body }),
      );
      onChanged(saved);
      setEditing(null);
    });

  const toggle = useAction(() => patch({ completed: !task.completed }, task.version));
  const save = useAction(async (version: number) => {
    if (!editing) return;
    const body = changes(base, editing);
    if (body === null) {
      setEditing(null);
      return;
    }
    await patch(body, version);
  });
  const remove = useAction((version: number) =>
    guarded(async () => {
      await api.authed(() => api.client.DELETE('/tasks/{id}', { params: { path: { id: task.id }, header: { 'If-Match': ifMatch(version) } } }));
      onRemoved(task.id);
    }),
  );

  const startEditing = () => {
    setBase(task);
    setEditing(draftOf(task));
    setConflict(null);
  };
  const error = toggle.error ?? save.error ?? remove.error;
  const titleId = `task-${task.id}`;

  return (
    <li className={`card task ${task.completed ? 'done' : ''}`} aria-labelledby={titleId}>
      {editing ? (
        <ActionForm action={() => save.run(base.version)} aria-label={`Edit ${base.title}`}>
          <h3 id={titleId}>Edit task</h3>
          <DraftFields draft={editing} onChange={setEditing} error={save.error} withStatus />
          <FormError error={save.error} fields={TASK_FIELDS} />
          {conflict && (
            <div className="conflict" role="alert">
              {conflict.latest ? (
                <>
                  <p>
                    This task was changed elsewhere while you edited it (it is now “{conflict.latest.title}”, {STATUS_LABELS[conflict.latest.status].toLowerCase()},
                    version {conflict.latest.version}). Your changes are not saved yet.
                  </p>
                  <button type="button" onClick={() => conflict.latest && void save.run(conflict.latest.version)}>
                    Save mine over theirs
                  </button>{' '}
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => {
                      if (!conflict.latest) return;
                      setBase(conflict.latest);
                      setEditing(draftOf(conflict.latest));
                      setConflict(null);
                    }}
                  >
                    Take theirs
                  </button>
                </>
              ) : (
                <p>This task was deleted elsewhere.</p>
              )}
            </div>
          )}
          <div className="actions">
            <button type="submit" disabled={save.pending}>
              Save
            </button>
            <button type="button" className="secondary" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </div>
        </ActionForm>
      ) : (
        <>
          <div className="task-head">
            <input
              type="checkbox"
              checked={task.completed}
              onChange={() => void toggle.run()}
              disabled={toggle.pending}
              aria-label={`Done: ${task.title}`}
            />
            <h3 id={titleId}>{task.title}</h3>
          </div>
          {task.description && <p>{task.description}</p>}
          <p className="meta">
            <span className={`badge status-${task.status}`}>{STATUS_LABELS[task.status]}</span>{' '}
            <span className={`badge priority-${task.priority}`}>{PRIORITY_LABELS[task.priority]} priority</span>
            {task.due_date && <span> · due {task.due_date}</span>}
          </p>
          {conflict && (
            <p className="conflict" role="alert">
              {conflict.latest
                ? 'This task had changed elsewhere: it now shows the latest version. Try again if you still want to.'
                : 'This task was deleted elsewhere.'}
            </p>
          )}
          {error && <FormError error={error} fields={[]} />}
          <div className="actions">
            <button type="button" className="secondary" onClick={startEditing}>
              Edit
            </button>
            <button type="button" className="danger" onClick={() => void remove.run(task.version)} disabled={remove.pending}>
              Delete
            </button>
          </div>
        </>
      )}
    </li>
  );
}
