import type { Migration } from './migration';

/**
 * The dispatcher: runs remember their task type, route and cache key; attempts may be `skipped`
 * (rebuilt, since a CHECK cannot be altered in place) and carry credits, a cache marker and the local
 * server used; a persisted job queue; local GPU servers.
 */
export const dispatchSchema: Migration = {
  version: 2,
  name: 'dispatcher, jobs and local servers',
  up(db) {
    db.exec(`
      ALTER TABLE runs ADD COLUMN task_type TEXT NOT NULL DEFAULT 'default';
      ALTER TABLE runs ADD COLUMN route TEXT; -- JSON snapshot of the chain this run walks
      ALTER TABLE runs ADD COLUMN cached_from INTEGER; -- the run whose outputs a cache hit reused
      ALTER TABLE runs ADD COLUMN cost_credits REAL;
      ALTER TABLE runs ADD COLUMN cache_key TEXT; -- sha256 of the normalized request + provider + model, set on success
      ALTER TABLE runs ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]'; -- JSON array: run-level notes
      -- Only runs with an explicit seed get a key, so the index stays small.
      CREATE INDEX runs_by_cache_key ON runs (cache_key) WHERE cache_key IS NOT NULL;

      CREATE TABLE attempts_v2 (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        request_sent TEXT NOT NULL, -- JSON, secrets removed
        outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'rate_limited', 'quota_exhausted', 'content_blocked',
          'auth_failed', 'invalid_request', 'unavailable', 'timeout', 'no_image', 'cancelled', 'skipped')),
        http_status INTEGER,
        provider_code TEXT,
        provider_message TEXT,
        retry_after_ms INTEGER,
        warnings TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
        started_at INTEGER NOT NULL,
        latency_ms INTEGER NOT NULL,
        cost_usd REAL,
        cost_credits REAL,
        cached INTEGER NOT NULL DEFAULT 0 CHECK (cached IN (0, 1)),
        server_id INTEGER, -- local server the attempt ran on; no foreign key, servers may be removed later
        UNIQUE (run_id, ordinal)
      ) STRICT;
      INSERT INTO attempts_v2 (id, run_id, ordinal, provider, model, request_sent, outcome, http_status,
        provider_code, provider_message, retry_after_ms, warnings, started_at, latency_ms, cost_usd)
      SELECT id, run_id, ordinal, provider, model, request_sent, outcome, http_status,
        provider_code, provider_message, retry_after_ms, warnings, started_at, latency_ms, cost_usd
      FROM attempts;
      DROP TABLE attempts;
      ALTER TABLE attempts_v2 RENAME TO attempts;
      -- Spend per period and the rate limiter's seeding read attempts by time, overall and per provider.
      CREATE INDEX attempts_by_started ON attempts (started_at);
      CREATE INDEX attempts_by_provider_started ON attempts (provider, started_at);

      CREATE TABLE jobs (
        run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done')),
        attempts INTEGER NOT NULL DEFAULT 0, -- attempts recorded so far (sent or skipped)
        in_flight TEXT, -- provider id while a request is out; a crash then must not resend it
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        heartbeat_at INTEGER,
        finished_at INTEGER
      ) STRICT;
      CREATE INDEX jobs_unfinished ON jobs (state, run_id) WHERE state <> 'done';

      CREATE TABLE local_servers (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('a1111', 'comfyui')),
        label TEXT NOT NULL,
        url TEXT NOT NULL,
        slots INTEGER NOT NULL CHECK (slots >= 1),
        enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        basic_auth_sealed BLOB, -- sealed by the OS vault; never plaintext
        workflow TEXT, -- ComfyUI workflow JSON (API format), or NULL for the built-in one
        health_state TEXT NOT NULL DEFAULT 'unknown'
          CHECK (health_state IN ('unknown', 'healthy', 'unreachable', 'error')),
        health_message TEXT,
        checked_at INTEGER,
        models TEXT NOT NULL DEFAULT '[]', -- JSON array
        loras TEXT NOT NULL DEFAULT '[]', -- JSON array
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
