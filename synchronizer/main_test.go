package synchronizer

import (
	"testing"

	"github.com/bigbrotr/bigbrotr/internal/pgtest"
)

// TestMain stops the throwaway PostgreSQL cluster the benchmark starts.
func TestMain(m *testing.M) { pgtest.Main(m) }
