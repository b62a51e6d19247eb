import type { LibraryDatabase } from './db';

export type JobState = 'queued' | 'running' | 'done';

/** One generation in the persisted queue; the run itself (request, attempts, outputs) lives in `runs`. */
export interface Job {
  runId: number;
  state: JobState;
  /** Attempts recorded so far, sent or skipped. */
  attempts: number;
  /** The provider a request is out to right now; after a crash, such a job must not be sent again. */
  inFlight: string | null;
  createdAt: number;
  startedAt: number | null;
  heartbeatAt: number | null;
}

export interface JobsRepo {
  enqueue(runId: number, now: number): void;
  /** queued -> running; false when the job is not queued (already taken, or done). */
  claim(runId: number, now: number): boolean;
  /** Jobs not done, oldest run first. */
  unfinished(): Job[];
  get(runId: number): Job | null;
  /** Marks a request as out to `provider` (or back, with null); doubles as a heartbeat. */
  setInFlight(runId: number, provider: string | null, now: number): void;
  /** One more attempt recorded (and, when it was out, no longer in flight). */
  countAttempt(runId: number, now: number): void;
  heartbeat(runId: number, now: number): void;
  finish(runId: number, now: number): void;
  /** Back to queued, nothing in flight: the job will be run again from the start of its chain. */
  requeue(runId: number, now: number): void;
}

interface JobRow {
  run_id: number;
  state: JobState;
  attempts: number;
  in_flight: string | null;
  created_at: number;
  started_at: number | null;
  heartbeat_at: number | null;
}

export function createJobsRepo(db: LibraryDatabase): JobsRepo {
  const insert = db.prepare<[number, number]>(
    "INSERT INTO jobs (run_id, state, created_at) VALUES (?, 'queued', ?)",
  );
  const claim = db.prepare<[number, number, number]>(
    `UPDATE jobs SET state = 'running', started_at = coalesce(started_at, ?), heartbeat_at = ?
     WHERE run_id = ? AND state = 'queued'`,
  );
  const COLUMNS = 'run_id, state, attempts, in_flight, created_at, started_at, heartbeat_at';
  const selectUnfinished = db.prepare<[], JobRow>(
    `SELECT ${COLUMNS} FROM jobs WHERE state <> 'done' ORDER BY run_id`,
  );
  const selectOne = db.prepare<[number], JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE run_id = ?`);
  const setInFlight = db.prepare<[string | null, number, number]>(
    'UPDATE jobs SET in_flight = ?, heartbeat_at = ? WHERE run_id = ?',
  );
  const countAttempt = db.prepare<[number, number]>(
    'UPDATE jobs SET attempts = attempts + 1, in_flight = NULL, heartbeat_at = ? WHERE run_id = ?',
  );
  const heartbeat = db.prepare<[number, number]>('UPDATE jobs SET heartbeat_at = ? WHERE run_id = ?');
  const finish = db.prepare<[number, number]>(
    "UPDATE jobs SET state = 'done', in_flight = NULL, heartbeat_at = ? WHERE run_id = ?",
  );
  const requeue = db.prepare<[number, number]>(
    "UPDATE jobs SET state = 'queued', in_flight = NULL, heartbeat_at = ? WHERE run_id = ?",
  );
  return {
    enqueue: (runId, now) => void insert.run(runId, now),
    claim: (runId, now) => claim.run(now, now, runId).changes > 0,
    unfinished: () => selectUnfinished.all().map(toJob),
    get(runId) {
      const row = selectOne.get(runId);
      return row ? toJob(row) : null;
    },
    setInFlight: (runId, provider, now) => void setInFlight.run(provider, now, runId),
    countAttempt: (runId, now) => void countAttempt.run(now, runId),
    heartbeat: (runId, now) => void heartbeat.run(now, runId),
    finish: (runId, now) => void finish.run(now, runId),
    requeue: (runId, now) => void requeue.run(now, runId),
  };
}

function toJob(row: JobRow): Job {
  return {
    runId: row.run_id,
    state: row.state,
    attempts: row.attempts,
    inFlight: row.in_flight,
    createdAt: row.created_at,
    startedAt: row.started_at,
    heartbeatAt: row.heartbeat_at,
  };
}
