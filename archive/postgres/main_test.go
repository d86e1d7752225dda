package postgres_test

import (
	"testing"

	"github.com/bigbrotr/bigbrotr/internal/pgtest"
)

// TestMain stops the throwaway PostgreSQL cluster of this test binary.
// There is one TestMain per binary: backends share this one.
func TestMain(m *testing.M) { pgtest.Main(m) }
