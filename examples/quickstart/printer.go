package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/assemblekit/assemble"
)

// printer shows a line per step state; on a terminal, progress of a long
// wait redraws one line with a spinner instead of adding lines.
type printer struct {
	w        io.Writer
	tty      bool
	spin     int
	spinning bool
}

func newPrinter(w io.Writer) *printer {
	p := &printer{w: w}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

var frames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

func (p *printer) line(format string, args ...any) {
	p.flush()
	fmt.Fprintf(p.w, format+"\n", args...)
}

// flush ends a spinner line so the next output starts on its own line.
func (p *printer) flush() {
	if p.spinning {
		fmt.Fprint(p.w, "\r\033[K")
		p.spinning = false
	}
}

func (p *printer) event(e assemble.Event) {
	switch e.Phase {
	case assemble.PhaseStarted:
		p.line("  … %-10s %s", e.Step, e.Action)
	case assemble.PhaseProgress:
		msg := e.Message
		if !strings.HasSuffix(msg, ")") {
			// Providers that don't say how long they have waited.
			msg += " (" + e.Elapsed.Round(100*time.Millisecond).String() + ")"
		}
		if p.tty {
			p.spin++
			fmt.Fprintf(p.w, "\r\033[K  %s %-10s %s", frames[p.spin%len(frames)], e.Step, msg)
			p.spinning = true
			return
		}
		p.line("  ⋯ %-10s %s", e.Step, msg)
	case assemble.PhaseDone:
		p.line("  ✓ %-10s %s (%s)", e.Step, e.Op, e.Elapsed.Round(time.Millisecond))
	case assemble.PhaseFailed:
		p.line("  ✗ %-10s %s", e.Step, e.Message)
	case assemble.PhaseSkipped:
		p.line("  - %-10s skipped", e.Step)
	}
}
