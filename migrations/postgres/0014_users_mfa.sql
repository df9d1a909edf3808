-- The users read model lists each user's second factors (id, type, createdAt, lastUsedAt,
-- backup codes' use times; never a secret or a code) as a JSON array. No MFA event
-- predates this migration, so every existing row starts with none.
ALTER TABLE users ADD COLUMN mfa_verifications TEXT NOT NULL DEFAULT '[]';
