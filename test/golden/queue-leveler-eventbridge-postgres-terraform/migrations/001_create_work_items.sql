-- The table the worker writes. The primary key is the idempotency key: the worker's
-- INSERT ... ON CONFLICT (id) DO NOTHING makes a duplicate message change nothing.
CREATE TABLE IF NOT EXISTS work_items (
  id          text        PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 1024),
  source      text        NOT NULL,
  item_type   text        NOT NULL,
  occurred_at timestamptz NOT NULL,
  stored_at   timestamptz NOT NULL DEFAULT now(),
  data        jsonb       NOT NULL
);

CREATE INDEX IF NOT EXISTS work_items_occurred_at_idx ON work_items (occurred_at);
