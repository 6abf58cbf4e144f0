CREATE TABLE user_sessions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id bigint NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX user_sessions_user_id_idx ON user_sessions (user_id);
ALTER TABLE user_sessions ADD COLUMN expires_at timestamptz NOT NULL;
ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';
