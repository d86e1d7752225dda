// Package quorum compares what several NIP-66 monitors say about the same
// relays: per relay, how many monitors reported it over a window, how many
// saw it reachable within their own announced frequency, the median round
// trips, the majority verdict and the share of monitors agreeing with it,
// with robust outlier flags (median and MAD) on each monitor's round trips;
// per monitor, how often its verdicts disagree with the quorum, so a
// monitor that disagrees too often is marked.
//
// NIP-66 says clients should not trust a single monitor; this package is
// the arithmetic that lets the node show what the others say beside its
// own verdict. It is pure: events in (ParseDiscovery, ParseAnnouncement),
// figures out (Compute); reading the archive and serving the figures is
// the node's.
package quorum
