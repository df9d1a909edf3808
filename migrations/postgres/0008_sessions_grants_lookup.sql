-- Grants by the session they were issued in (ending a session with
-- revokeGrantsTarget, the Management and Account API session entries).
CREATE INDEX grants_session ON grants (session_id);
