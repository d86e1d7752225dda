// Package scale measures one node's loops at the size of the real relay
// network: a testnet of 10,000 relays (a fifth of them dead, slow or
// hostile, overlays included) is checked by the monitor, then validated by
// the validator, then synchronized by the synchronizer, each loop alone in
// a child node on PostgreSQL, and the benchmark prints per loop the time
// of a full pass against its floor, peak RSS, goroutines, CPU per relay,
// open file descriptors and the relays the pass left unchecked.
//
//	go test -run '^$' -bench Scale -benchtime 1x -timeout 120m ./bench/scale/
package scale
