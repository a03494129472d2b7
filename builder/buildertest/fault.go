package buildertest

import "strings"

// Fault makes matching commands misbehave.
type Fault struct {
	// Match selects commands: a substring of the command line as received
	// (sudo wrapping included). Empty matches every command.
	Match string
	// Code is the exit status of a failed command (default 1). Ignored
	// with Drop.
	Code int
	// Stderr is what the failed command prints on standard error.
	Stderr string
	// Drop runs the command for real — its effects commit — and then cuts
	// the connection without an exit status, like a network that died at
	// the worst moment.
	Drop bool
	// Times is how many commands the fault fires for (default 1; negative
	// means forever).
	Times int
}

type armedFault struct {
	Fault
	left int
}

func (f *armedFault) matches(cmd string) bool {
	return f.left != 0 && strings.Contains(cmd, f.Match)
}
