-- 022-console-token: the one-time tokens of serial console URLs (Nova's
-- console auth tokens). Only a SHA-256 of each token is kept. used_at and
-- session are set when the websocket opens it (once); agent_at when the
-- server's host's agent connects its end of that session.
CREATE TABLE console_token (
	token_hash VARCHAR(64) PRIMARY KEY,
	server_id VARCHAR(64) NOT NULL,
	project_id VARCHAR(64) NOT NULL,
	host VARCHAR(255) NOT NULL,
	expires_at BIGINT NOT NULL,
	used_at BIGINT,
	session VARCHAR(64),
	agent_at BIGINT,
	revision BIGINT NOT NULL
);
CREATE INDEX console_token_host ON console_token (host, agent_at);
CREATE INDEX console_token_session ON console_token (session);
