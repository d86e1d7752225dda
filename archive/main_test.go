package archive_test

import (
	"testing"

	"github.com/bigbrotr/bigbrotr/internal/pgtest"
)

// TestMain stops the throwaway PostgreSQL cluster the writer's and the
// whole-author tests start (archive/postgres has its own binary and its own).
func TestMain(m *testing.M) { pgtest.Main(m) }
