-- Tag values of any length, NUL included: schema version 4.
-- Released migrations are never edited: change the schema in a new file.
--
-- Validly signed events whose tag values exceed 2,048 bytes or hold U+0000
-- were refused until now (zap receipts carry a whole JSON document in a
-- description tag). They are stored whole from this version on: event.tags
-- holds NUL as the JSON escape \u0000, which the json type accepts (jsonb
-- would not; nothing reads event.tags through JSON operators). The indexes
-- hold such a value by a fixed-size digest instead of itself, and a filter
-- naming it is reduced to the same digest, then checked against the
-- event's tags before it is served:
--
--   tag_value.key: the tag's letter, 0x00 and the 64 hex digits of the
--     value's SHA-256 (66 bytes). A value held as itself never contains
--     NUL, and the 64-hex form of migration 0001 is 34 bytes long, so no
--     key written before this version can collide and none is rewritten.
--
--   The TEXT columns holding addresses (event.d_tag and extra_d,
--   replaceable_head.d_tag, deletion_address.d_tag): TEXT cannot hold NUL,
--   and a btree entry is limited to about 2.7 kB, so a long or NUL-bearing
--   d value is held as 0x01 and the 64 hex digits of its SHA-256 (65
--   bytes). A d value that itself begins with 0x01 is held by digest too,
--   so that the two forms cannot collide; the rows below rewrite such
--   values archived before this version (none are expected: d values do
--   not begin with a control character, but an address must keep matching
--   its next version whatever it holds). The archive holds valid UTF-8
--   only, so convert_to gives back the bytes that were hashed.
--
-- On an archive with no such value this reads event once and writes
-- nothing.

UPDATE event SET
    d_tag = CASE WHEN starts_with(d_tag, E'\x01')
        THEN E'\x01' || encode(sha256(convert_to(d_tag, 'UTF8')), 'hex')
        ELSE d_tag END,
    extra_d = CASE WHEN extra_d IS NULL THEN NULL ELSE ARRAY(
        SELECT CASE WHEN starts_with(x, E'\x01')
            THEN E'\x01' || encode(sha256(convert_to(x, 'UTF8')), 'hex')
            ELSE x END
        FROM unnest(extra_d) WITH ORDINALITY AS u(x, i) ORDER BY i) END
WHERE d_tag IS NOT NULL
  AND (starts_with(d_tag, E'\x01')
       OR extra_d IS NOT NULL AND EXISTS (SELECT 1 FROM unnest(extra_d) AS u(x) WHERE starts_with(x, E'\x01')));

-- The keys below are unique. A new form can only meet an existing value if
-- an author stored a d value equal to 0x01 and the digest of another of
-- their own d values; such a row is left as it was rather than failing the
-- migration (its address then starts a new head on its next version).
UPDATE replaceable_head h
SET d_tag = E'\x01' || encode(sha256(convert_to(h.d_tag, 'UTF8')), 'hex')
WHERE starts_with(h.d_tag, E'\x01')
  AND NOT EXISTS (SELECT 1 FROM replaceable_head o
      WHERE o.pubkey = h.pubkey AND o.kind = h.kind
        AND o.d_tag = E'\x01' || encode(sha256(convert_to(h.d_tag, 'UTF8')), 'hex'));

UPDATE deletion_address a
SET d_tag = E'\x01' || encode(sha256(convert_to(a.d_tag, 'UTF8')), 'hex')
WHERE starts_with(a.d_tag, E'\x01')
  AND NOT EXISTS (SELECT 1 FROM deletion_address o
      WHERE o.pubkey = a.pubkey AND o.kind = a.kind
        AND o.d_tag = E'\x01' || encode(sha256(convert_to(a.d_tag, 'UTF8')), 'hex'));
