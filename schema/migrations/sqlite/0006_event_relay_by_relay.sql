-- Provenance by relay (see postgres/0008): the events a relay was the
-- first to deliver, newest sighting first, paged by (seen_at, event_seq).
-- Version 0005 is other work's: versions may skip numbers.
CREATE INDEX event_relay_relay ON event_relay (relay_url, seen_at, event_seq);
