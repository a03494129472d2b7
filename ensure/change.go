package ensure

import "fmt"

// Change is one line of a plan: what Ensure (or Destroy) would do to one
// resource, and why.
type Change struct {
	// Kind is the resource kind, such as "server", "firewall", "dns record".
	Kind string
	// Name identifies the resource within its kind.
	Name string
	// Op is what would happen. Unchanged changes may be listed so that a plan
	// shows everything it looked at.
	Op Op
	// Detail is a short human description of what differs, such as
	// `rules: +tcp/8080, -tcp/80`. Empty when there is nothing to say.
	Detail string
	// Replace is true when the difference cannot be made in place (a server's
	// type or location, say). Ensure refuses such a change with
	// ErrReplaceRequired instead of deleting and recreating.
	Replace bool
}

// String renders the change as one line, e.g. `created server "web-1"`.
func (c Change) String() string {
	s := fmt.Sprintf("%s %s %q", c.Op, c.Kind, c.Name)
	if c.Replace {
		s += " (needs replacement)"
	}
	if c.Detail != "" {
		s += ": " + c.Detail
	}
	return s
}

// Changes is a plan: the changes of one or more resources, in order.
type Changes []Change

// Mutating returns the changes whose Op mutates.
func (cs Changes) Mutating() Changes {
	var out Changes
	for _, c := range cs {
		if c.Op.Mutates() {
			out = append(out, c)
		}
	}
	return out
}
