// The PostgreSQL schema's migrations, in order; schema.ts runs them. Columns match SQLite's.
// Per-state counts are kept by statement triggers in the transaction of each change (no scan),
// the same triggers NOTIFY `messages` or `events` so that other instances learn of every commit,
// and intake of a request group is one server-side function (one round trip, see submit.ts).
import { CHANGES_CHANNEL, LOCKS } from './database.js';

/** How the database refuses a message that names attachment bytes it does not hold (migration 2). */
export const BLOBS_NOT_KEPT = 'the attachment bytes this message names are not kept';

export const MIGRATIONS: readonly string[] = [
  // 1: the outbox, the event log, small named values, loss windows, dead letters and the lease.
  `CREATE TABLE tether_account (
     singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
     account text NOT NULL,
     created_at bigint NOT NULL
   );
   -- the database's clock in ms since the epoch: leases are timed by it, never by the hosts'
   CREATE FUNCTION tether_now_ms() RETURNS bigint LANGUAGE sql VOLATILE
     AS $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $$;
   CREATE SEQUENCE message_positions;
   CREATE TABLE messages (
     id text PRIMARY KEY,
     position bigint NOT NULL,
     state text NOT NULL,
     payload text NOT NULL,
     recipients text NOT NULL,
     created_at bigint NOT NULL,
     updated_at bigint NOT NULL,
     attempts integer NOT NULL DEFAULT 0,
     ambiguous boolean NOT NULL DEFAULT false,
     unknown_resends integer NOT NULL DEFAULT 0,
     retriable_failures integer NOT NULL DEFAULT 0,
     signal_timestamp bigint,
     error text,
     expires_at bigint
   );
   CREATE UNIQUE INDEX messages_by_position ON messages (position);
   CREATE INDEX messages_by_state ON messages (state, position);
   CREATE INDEX messages_expiring ON messages (expires_at) WHERE state = 'queued' AND expires_at IS NOT NULL;
   CREATE INDEX messages_finished ON messages (updated_at) WHERE state IN ('sent', 'delivered', 'read', 'failed');
   CREATE TABLE message_counts (state text PRIMARY KEY, count bigint NOT NULL);
   CREATE TABLE idempotency_keys (
     key text PRIMARY KEY,
     request_hash text NOT NULL,
     message_ids text NOT NULL,
     created_at bigint NOT NULL
   );
   CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
   CREATE TABLE signal_timestamps (
     timestamp bigint NOT NULL,
     message_id text NOT NULL,
     at bigint NOT NULL,
     PRIMARY KEY (timestamp, message_id)
   );
   CREATE INDEX signal_timestamps_by_age ON signal_timestamps (at);
   CREATE TABLE events (
     id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     kind text NOT NULL,
     at bigint NOT NULL,
     dedupe_key text UNIQUE,
     data text NOT NULL
   );
   CREATE INDEX events_by_kind ON events (kind, id);
   CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
   CREATE TABLE loss_windows (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, from_at bigint NOT NULL, to_at bigint NOT NULL);
   CREATE TABLE webhook_dead_letters (event_id bigint PRIMARY KEY, at bigint NOT NULL, status integer, error text NOT NULL);
   CREATE TABLE leases (
     account text PRIMARY KEY,
     instance text NOT NULL,
     host text NOT NULL,
     epoch bigint NOT NULL,
     since bigint NOT NULL,
     expires_at bigint NOT NULL,
     -- the holder's last taking or renewal: where a successor's first loss window starts
     renewed_at bigint NOT NULL,
     -- the server process of the holder's lease connection: once it is gone, so is the holder
     holder_pid integer
   );

   CREATE FUNCTION tether_messages_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     INSERT INTO message_counts (state, count) SELECT state, count(*) FROM inserted GROUP BY state
       ON CONFLICT (state) DO UPDATE SET count = message_counts.count + excluded.count;
     IF FOUND THEN PERFORM pg_notify('${CHANGES_CHANNEL}', 'messages'); END IF;
     RETURN NULL;
   END $$;
   CREATE TRIGGER messages_inserted AFTER INSERT ON messages
     REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION tether_messages_inserted();

   CREATE FUNCTION tether_messages_updated() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     INSERT INTO message_counts (state, count)
       SELECT state, sum(delta) FROM (
         SELECT old_rows.state, -1 AS delta FROM old_rows JOIN new_rows USING (id) WHERE old_rows.state <> new_rows.state
         UNION ALL
         SELECT new_rows.state, 1 FROM old_rows JOIN new_rows USING (id) WHERE old_rows.state <> new_rows.state
       ) AS moves GROUP BY state
       ON CONFLICT (state) DO UPDATE SET count = message_counts.count + excluded.count;
     IF EXISTS (SELECT 1 FROM new_rows) THEN PERFORM pg_notify('${CHANGES_CHANNEL}', 'messages'); END IF;
     RETURN NULL;
   END $$;
   CREATE TRIGGER messages_updated AFTER UPDATE ON messages
     REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tether_messages_updated();

   CREATE FUNCTION tether_messages_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     UPDATE message_counts SET count = message_counts.count - gone.count
       FROM (SELECT state, count(*) AS count FROM deleted GROUP BY state) AS gone
       WHERE message_counts.state = gone.state;
     RETURN NULL;
   END $$;
   CREATE TRIGGER messages_deleted AFTER DELETE ON messages
     REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION tether_messages_deleted();

   -- Intake of a group of requests in one round trip (see submit.ts): the write lock, then each
   -- request in order, all or nothing. Rows: one per request. The common case is one statement per
   -- table for the whole group: replays, conflicts and full refusals are decided first, then every
   -- accepted request is written at once. Should that fail (the database refused something), or a
   -- key repeat inside the group, the requests are taken one by one, each under its own
   -- subtransaction, so the refused one fails alone and the others commit.
   CREATE FUNCTION tether_submit_group(
     max_queued bigint, now_ms bigint,
     request_keys text[], request_hashes text[], request_sizes integer[],
     message_ids text[], payloads text[], recipients text[], expirations bigint[], event_data text[]
   ) RETURNS TABLE (request integer, outcome text, detail text, event_ids bigint[]) LANGUAGE plpgsql AS $$
   DECLARE
     requests integer := COALESCE(cardinality(request_sizes), 0);
     queued bigint;
     start_queued bigint;
     first integer;
     last integer;
     known record;
     logged bigint[];
     outcomes text[] := array_fill(NULL::text, ARRAY[requests]);
     details text[] := array_fill(NULL::text, ARRAY[requests]);
     taken integer[] := '{}';
     keyed integer[] := '{}';
     fast boolean := true;
     offset_in_logged integer := 0;
   BEGIN
     PERFORM pg_advisory_xact_lock(${LOCKS.write});
     SELECT count INTO queued FROM message_counts WHERE state = 'queued';
     queued := COALESCE(queued, 0);
     start_queued := queued;
     -- a key given twice in one group: the second must see the first, so one by one
     IF (SELECT count(k) <> count(DISTINCT k) FROM unnest(request_keys) AS k) THEN fast := false; END IF;

     IF fast THEN
       first := 1;
       FOR i IN 1 .. requests LOOP
         last := first + request_sizes[i] - 1;
         known := NULL;
         IF request_keys[i] IS NOT NULL THEN
           SELECT request_hash, idempotency_keys.message_ids INTO known FROM idempotency_keys WHERE key = request_keys[i];
         END IF;
         IF known IS NOT NULL THEN
           outcomes[i] := CASE WHEN known.request_hash = request_hashes[i] THEN 'replay' ELSE 'conflict' END;
           details[i] := known.message_ids;
         ELSIF queued + request_sizes[i] > max_queued THEN
           outcomes[i] := 'full';
           details[i] := queued::text;
         ELSE
           outcomes[i] := 'created';
           queued := queued + request_sizes[i];
           taken := taken || ARRAY(SELECT generate_series(first, last));
           IF request_keys[i] IS NOT NULL THEN keyed := keyed || i; END IF;
         END IF;
         first := last + 1;
       END LOOP;
       BEGIN
         INSERT INTO messages (id, position, state, payload, recipients, created_at, updated_at, expires_at)
           SELECT message_ids[k], nextval('message_positions'), 'queued', payloads[k], recipients[k], now_ms, now_ms, expirations[k]
           FROM unnest(taken) WITH ORDINALITY AS chosen (k, ordinal)
           ORDER BY ordinal;
         INSERT INTO idempotency_keys (key, request_hash, message_ids, created_at)
           SELECT request_keys[i], request_hashes[i],
             to_json(message_ids[(SELECT COALESCE(sum(size), 0) FROM unnest(request_sizes[1:i - 1]) AS size) + 1 : (SELECT sum(size) FROM unnest(request_sizes[1:i]) AS size)])::text,
             now_ms
           FROM unnest(keyed) AS i;
         IF cardinality(event_data) > 0 AND cardinality(taken) > 0 THEN
           WITH inserted AS (
             INSERT INTO events (kind, at, data)
               SELECT 'message', now_ms, event_data[k] FROM unnest(taken) WITH ORDINALITY AS chosen (k, ordinal) ORDER BY ordinal
               RETURNING id
           ) SELECT array_agg(id ORDER BY id) INTO logged FROM inserted;
         END IF;
       EXCEPTION WHEN data_exception OR integrity_constraint_violation OR raise_exception THEN
         fast := false;
         queued := start_queued;
       END;
     END IF;

     IF fast THEN
       FOR i IN 1 .. requests LOOP
         request := i;
         outcome := outcomes[i];
         detail := details[i];
         event_ids := NULL;
         IF outcome = 'created' AND logged IS NOT NULL THEN
           event_ids := logged[offset_in_logged + 1 : offset_in_logged + request_sizes[i]];
           offset_in_logged := offset_in_logged + request_sizes[i];
         END IF;
         RETURN NEXT;
       END LOOP;
       RETURN;
     END IF;

     first := 1;
     FOR i IN 1 .. requests LOOP
       last := first + request_sizes[i] - 1;
       request := i;
       known := NULL;
       IF request_keys[i] IS NOT NULL THEN
         SELECT request_hash, idempotency_keys.message_ids INTO known FROM idempotency_keys WHERE key = request_keys[i];
       END IF;
       IF known IS NOT NULL THEN
         outcome := CASE WHEN known.request_hash = request_hashes[i] THEN 'replay' ELSE 'conflict' END;
         detail := known.message_ids;
         event_ids := NULL;
         RETURN NEXT;
       ELSIF queued + request_sizes[i] > max_queued THEN
         outcome := 'full';
         detail := queued::text;
         event_ids := NULL;
         RETURN NEXT;
       ELSE
         BEGIN
           INSERT INTO messages (id, position, state, payload, recipients, created_at, updated_at, expires_at)
             SELECT id, nextval('message_positions'), 'queued', payload, recipient_list, now_ms, now_ms, expires_at
             FROM unnest(message_ids[first:last], payloads[first:last], recipients[first:last], expirations[first:last])
               WITH ORDINALITY AS incoming (id, payload, recipient_list, expires_at, ordinal)
             ORDER BY ordinal;
           IF request_keys[i] IS NOT NULL THEN
             INSERT INTO idempotency_keys (key, request_hash, message_ids, created_at)
               VALUES (request_keys[i], request_hashes[i], to_json(message_ids[first:last])::text, now_ms);
           END IF;
           logged := NULL;
           IF cardinality(event_data) > 0 THEN
             WITH inserted AS (
               INSERT INTO events (kind, at, data)
                 SELECT 'message', now_ms, data FROM unnest(event_data[first:last]) WITH ORDINALITY AS each_event (data, ordinal) ORDER BY ordinal
                 RETURNING id
             ) SELECT array_agg(id ORDER BY id) INTO logged FROM inserted;
           END IF;
           queued := queued + request_sizes[i];
           outcome := 'created';
           detail := NULL;
           event_ids := logged;
         EXCEPTION WHEN data_exception OR integrity_constraint_violation OR raise_exception THEN
           -- this request only: the others commit
           outcome := 'failed';
           detail := SQLERRM;
           event_ids := NULL;
         END;
         RETURN NEXT;
       END IF;
       first := last + 1;
     END LOOP;
   END $$;

   CREATE FUNCTION tether_events_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     -- the highest id written: a reader that announced it already need not read
     PERFORM pg_notify('${CHANGES_CHANNEL}', 'events:' || top) FROM (SELECT max(id) AS top FROM inserted) AS written WHERE top IS NOT NULL;
     RETURN NULL;
   END $$;
   CREATE TRIGGER events_inserted AFTER INSERT ON events
     REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION tether_events_inserted();`,

  // 2: attachment bytes beside the messages (blob-store.ts). A blob whose message is deleted
  // becomes an orphan at once (unlinked, created_at 0: as old as can be); so does one the sweep
  // has begun to delete. Chunks reference their blob: a chunk cannot outlive it (nor be appended
  // after it), and deleting the row deletes them. A message row that names blobs links them as it
  // is inserted, in the same (sub)transaction as the insert: a blob gone, partly swept or named by
  // another message refuses the row, so intake (migration 1's tether_submit_group, unchanged)
  // refuses that request alone, with the text submit.ts recognises.
  `CREATE TABLE blobs (id text PRIMARY KEY, message_id text, created_at bigint NOT NULL);
   CREATE INDEX blobs_unlinked ON blobs (created_at) WHERE message_id IS NULL;
   CREATE INDEX blobs_by_message ON blobs (message_id) WHERE message_id IS NOT NULL;
   CREATE TABLE blob_chunks (
     blob_id text NOT NULL REFERENCES blobs (id) ON DELETE CASCADE,
     seq integer NOT NULL,
     data bytea NOT NULL,
     PRIMARY KEY (blob_id, seq)
   );

   CREATE FUNCTION tether_blobs_orphaned() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     UPDATE blobs SET message_id = NULL, created_at = 0 WHERE message_id IS NOT NULL AND message_id IN (SELECT id FROM deleted);
     RETURN NULL;
   END $$;
   CREATE TRIGGER messages_orphan_blobs AFTER DELETE ON messages
     REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION tether_blobs_orphaned();

   CREATE FUNCTION tether_link_blobs() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE
     blob text;
   BEGIN
     FOR blob IN SELECT attachment -> 'blob' ->> 'id' FROM jsonb_array_elements(NEW.payload::jsonb -> 'attachments') AS attachment WHERE attachment ? 'blob' LOOP
       UPDATE blobs SET message_id = NEW.id WHERE id = blob AND (message_id IS NULL OR message_id = NEW.id) AND created_at > 0;
       -- raise_exception: what tether_submit_group refuses a request for, keeping the others
       IF NOT FOUND THEN RAISE EXCEPTION '${BLOBS_NOT_KEPT} (blob %)', blob; END IF;
     END LOOP;
     RETURN NULL;
   END $$;
   -- only a payload with a "blob" key can name one (in JSON text a quote inside a string is escaped)
   CREATE TRIGGER messages_link_blobs AFTER INSERT ON messages
     FOR EACH ROW WHEN (NEW.payload LIKE '%"blob":{%') EXECUTE FUNCTION tether_link_blobs();`,
];
