package alerts

import (
	"errors"
	"fmt"
	"strings"

	"github.com/bigbrotr/bigbrotr/schema"
)

// Commands an operator can send.
const (
	CmdWatch   = "watch"
	CmdUnwatch = "unwatch"
	CmdStatus  = "status"
	CmdHelp    = "help"
)

// Command is one parsed DM.
type Command struct {
	Name  string          // one of the Cmd* constants
	Relay schema.RelayURL // watch and unwatch
}

// ErrCommand is what ParseCommand returns (wrapped) for a message that is
// not a command; its text is what the sender is told.
var ErrCommand = errors.New("not a command")

// maxCommand bounds what is read of a message: commands are short.
const maxCommand = 4096

// ParseCommand reads a DM's text: the command word, case-insensitive, and
// for watch and unwatch one relay URL, read under o. Surrounding blanks
// and a leading "/" (chat clients' habit) are ignored.
func ParseCommand(text string, o schema.ParseOptions) (Command, error) {
	if len(text) > maxCommand {
		return Command{}, fmt.Errorf("%w: message over %d bytes", ErrCommand, maxCommand)
	}
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return Command{}, fmt.Errorf("%w: empty message", ErrCommand)
	}
	name := strings.ToLower(strings.TrimPrefix(fields[0], "/"))
	args := fields[1:]
	switch name {
	case CmdStatus, CmdHelp:
		if len(args) > 0 {
			return Command{}, fmt.Errorf("%w: %s takes no argument", ErrCommand, name)
		}
		return Command{Name: name}, nil
	case CmdWatch, CmdUnwatch:
		if len(args) != 1 {
			return Command{}, fmt.Errorf("%w: %s takes one relay URL (%s wss://relay.example.com)", ErrCommand, name, name)
		}
		u, err := schema.ParseRelayURLWith(args[0], o)
		if err != nil {
			return Command{}, fmt.Errorf("%w: %w", ErrCommand, err)
		}
		return Command{Name: name, Relay: u}, nil
	}
	return Command{}, fmt.Errorf("%w: unknown command %q", ErrCommand, clip(fields[0], 32))
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
