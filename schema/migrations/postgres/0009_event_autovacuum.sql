-- COUNT without the heap on a growing archive.
--
-- A COUNT over kinds or authors(+kinds) is an index-only scan of
-- event_kind or event_pubkey_kind (0005), but an index-only scan skips
-- the heap only for pages the visibility map marks all-visible, and only
-- VACUUM marks them. The archive is insert-mostly, so autovacuum visits
-- event after autovacuum_vacuum_insert_threshold (1000) plus
-- autovacuum_vacuum_insert_scale_factor (0.2) of its rows were inserted:
-- up to a fifth of the rows sit on pages not yet all-visible, and a COUNT
-- reads every one of those pages. Measured on 50k events loaded through
-- the store: COUNT kinds [1] read 2,802 buffers and took 52-136 ms before
-- the table was vacuumed and analyzed, 201 buffers and 3.7 ms after.
-- Until the first ANALYZE the planner also has no estimate for the partial
-- indexes and picks a bitmap heap scan.
--
-- Vacuuming after 2% instead (as event_tag has since 0001) keeps the
-- unmarked tail small; such a vacuum only reads the pages not yet
-- all-visible, so it costs in proportion to what was inserted. ANALYZE
-- after 5% of changes keeps the partial indexes' estimates current; it
-- samples a fixed number of rows, so its cost does not grow with the
-- archive.
ALTER TABLE event SET (
    autovacuum_vacuum_insert_scale_factor = 0.02,
    autovacuum_analyze_scale_factor = 0.05
);
