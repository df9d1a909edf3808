-- One group commit in one round trip: the writer calls this function in autocommit mode,
-- so BEGIN, the transaction id, the data keys, the insert, the notification and COMMIT
-- cost a single statement. Expected versions were checked by the caller against known
-- versions; the unique index on (stream_type, stream_id, stream_version) rejects the whole
-- call if another writer got there first, and the caller then re-checks batch by batch.
CREATE OR REPLACE FUNCTION tessera_append(
    p_event_ids       uuid[],
    p_stream_types    text[],
    p_stream_ids      text[],
    p_versions        bigint[],
    p_event_types     text[],
    p_schema_versions int4[],
    p_payloads        text[],
    p_metadata        text[],
    p_key_subjects    text[],
    p_key_wrapped     bytea[],
    p_key_created_at  bigint
) RETURNS TABLE (out_event_id uuid, out_position bigint)
LANGUAGE plpgsql AS $$
BEGIN
    -- The transaction id first, positions after: read_all's gap rule depends on it.
    PERFORM pg_current_xact_id();

    IF cardinality(p_key_subjects) > 0 THEN
        INSERT INTO data_keys (subject_id, wrapped_key, created_at)
        SELECT k.s, k.w, p_key_created_at FROM UNNEST(p_key_subjects, p_key_wrapped) AS k(s, w);
    END IF;

    -- ORDER BY ord: positions follow the array order (stream versions ascend with them).
    RETURN QUERY
    WITH ins AS (
        INSERT INTO events (position, event_id, stream_type, stream_id, stream_version,
                            event_type, schema_version, payload, metadata)
        SELECT nextval('events_position_seq'), r.id, r.st, r.sid, r.v, r.et, r.sv,
               r.p::jsonb, r.m::jsonb
        FROM UNNEST(p_event_ids, p_stream_types, p_stream_ids, p_versions, p_event_types,
                    p_schema_versions, p_payloads, p_metadata)
             WITH ORDINALITY AS r(id, st, sid, v, et, sv, p, m, ord)
        ORDER BY r.ord
        RETURNING events.event_id, events.position
    )
    SELECT ins.event_id, ins.position FROM ins;

    IF cardinality(p_event_ids) > 0 THEN
        -- currval: the last position this session took, i.e. the highest of this call.
        PERFORM pg_notify('tessera_events', currval('events_position_seq')::text);
    END IF;
END;
$$;
