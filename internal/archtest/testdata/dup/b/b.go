package b

// Record duplicates a.Record.
type Record = struct{ URL string }

// Config is a role name: each package has its own.
type Config struct{}

// Store is an interface: consumers declare their own.
type Store interface{ Put(Record) }

type private struct{}
