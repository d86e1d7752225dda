// Package nnodes measures what sharing one PostgreSQL costs: the same
// testnet is monitored first by one node and then by three, each node a
// child process, and the benchmark prints the relays each node checked
// per interval, its CPU time per relay, the ratio of CPU per relay (three
// nodes over one) and whether every relay was checked exactly once per
// interval, read from the relay_lease rows the nodes share.
//
//	go test -run '^$' -bench NNodes -benchtime 1x -timeout 60m ./bench/nnodes/
package nnodes
