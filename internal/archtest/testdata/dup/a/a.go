package a

// Record is declared in b too: the duplicate the check must report.
type Record struct{ URL string }

// Config is a role name: each package has its own.
type Config struct{}

// Store is an interface: consumers declare their own.
type Store interface{ Get() Record }

type private struct{}
