// Package node is the composition root of bigbrotr: it loads the strict TOML
// configuration, obtains the node key, opens the archive, mounts a khatru
// relay over it on the node's own http.Server, serves the node's NIP-11
// document and Prometheus metrics, and runs everything under one errgroup
// that stops gracefully on context cancellation (SIGINT/SIGTERM in the CLI).
//
// The relay is an archive: the public reads (REQ, COUNT), and only the node
// key and configured writers publish. REQ, COUNT and CLOSE are answered by
// the node itself (session.go, taken from khatru's stream by wstap.go), so
// that an answer cut short ends with CLOSED, never with EOSE; NIP-77's
// NEG-* messages take the same path to a negentropy server over the
// archive (neg.go, negview.go) whose memory does not grow with it; khatru
// handles EVENT and AUTH. Loops publish the node's own events
// in-process through (*Node).Publish.
//
// Nothing imports this package except cmd/bigbrotr.
package node
