-- Which user roles each live user holds (projections crate, `user_roles` projector).
-- Rows of deleted users are removed; rows naming a deleted role stay and drop out of every
-- query through the join with `roles` (roles and users are followed by separate projectors).
CREATE TABLE user_roles (
    user_id    TEXT NOT NULL,
    role_id    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_roles_role ON user_roles (role_id, created_at);
