// Package node is the composition root of bigbrotr: it loads the strict TOML
// configuration, obtains the node key, opens the archive, builds the
// node's relay (package relayserver) with the status page and JSON API
// (packages web and websource) behind it on the node's own http.Server,
// builds the loops, serves Prometheus metrics, and runs everything under
// one errgroup that stops gracefully on context cancellation (SIGINT or
// SIGTERM in the CLI). The loops publish the node's own events in-process
// through (*Node).Publish.
//
// Nothing imports this package except cmd/bigbrotr.
package node
