// Package benchchild runs a node of a benchmark in a child process: the
// test binary started again with the benchmark's environment, so that the
// node's CPU time, peak RSS and file descriptors in /proc are its own and
// not those of the testnet or database the parent runs. Used by tests and
// benchmarks only.
package benchchild
