-- Device authorization requests (RFC 8628) waiting for the user, by the digest of their
-- user code (projections/src/device_codes.rs).
CREATE TABLE device_user_codes (
    user_code TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX device_user_codes_device ON device_user_codes (device_id);
