-- "#d" on addressable kinds: the current version of each address by its d
-- tag, read from an index of current versions only.
--
-- A NIP-33 address lookup ({"kinds":[30023],"authors":[...],"#d":[...]})
-- and a NIP-66 report lookup ({"kinds":[30166],"#d":["wss://..."]}) name
-- addresses whose history is mostly superseded versions: every monitor
-- republishes its report on every relay each cycle. Driven from event_tag,
-- such a query reads every version ever archived and drops the superseded
-- ones on the event row. event_d_current holds the current versions alone,
-- keyed by the address's d value (event.d_tag, the first d tag).
--
-- A tag filter matches any d tag, not only the first, so an event whose
-- later d tag matches must be found too: extra_d holds an addressable
-- event's d values after the first (NULL when there are none, as NIP-01
-- expects), and
-- event_extra_d lists the current events that have some; the query reads
-- them as a second branch.
ALTER TABLE event ADD COLUMN extra_d TEXT[] COLLATE "C";

-- Events archived before this migration, from the tag index (which both
-- modes keep): tag_value.key is 'd' then the value, or 'd', 0x00 and the
-- 32 bytes of a 64-character lower-case hex value.
UPDATE event e SET extra_d = m.extra
FROM (
    SELECT t.event_seq, array_agg(
        CASE WHEN length(v.key) = 34 AND get_byte(v.key, 1) = 0
            THEN encode(substring(v.key FROM 3), 'hex')
            ELSE convert_from(substring(v.key FROM 2), 'UTF8') END) AS extra
    FROM event_tag t JOIN tag_value v ON v.id = t.tag_id
    WHERE get_byte(v.key, 0) = 100 -- 'd'
    GROUP BY t.event_seq
    HAVING count(*) >= 2
) m
WHERE e.seq = m.event_seq AND e.kind BETWEEN 30000 AND 39999;
-- The first value is the address's own (d_tag).
UPDATE event SET extra_d = nullif(array_remove(extra_d, d_tag), '{}') WHERE extra_d IS NOT NULL;

CREATE INDEX event_d_current ON event (d_tag, kind, created_at DESC)
    WHERE d_tag IS NOT NULL AND NOT superseded;
CREATE INDEX event_extra_d ON event (kind, created_at DESC)
    WHERE extra_d IS NOT NULL AND NOT superseded;
