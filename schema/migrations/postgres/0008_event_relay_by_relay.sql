-- Provenance by relay: the events a relay was the first to deliver, newest
-- sighting first, paged by (seen_at, event_seq) (Store.FirstSeenOn). The
-- primary key leads with the event, so without this index the relay page
-- would read every sighting of the archive. Versions 0007 and earlier
-- gaps are other work's: versions may skip numbers.
CREATE INDEX event_relay_relay ON event_relay (relay_id, seen_at, event_seq);
