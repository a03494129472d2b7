package ensure

// Op says what an Ensure, Plan or Destroy did (or, in a plan, would do) to one
// resource.
type Op string

// The operations. They are strings so that they print and marshal as
// themselves.
const (
	// Created: the resource did not exist and was made.
	Created Op = "created"
	// Updated: the resource existed and was changed in place.
	Updated Op = "updated"
	// Unchanged: the resource existed and already matched the spec; no
	// mutating request was sent.
	Unchanged Op = "unchanged"
	// Deleted: the resource existed, was ours, and was removed.
	Deleted Op = "deleted"
)

// String returns the operation's name.
func (o Op) String() string { return string(o) }

// Mutates reports whether the operation changes the world.
func (o Op) Mutates() bool { return o == Created || o == Updated || o == Deleted }

// Merge folds the result of a sub-resource into the result of the whole: a
// step that created anything reports created, otherwise one that updated
// anything reports updated, and so on. The zero Op counts as Unchanged.
func Merge(ops ...Op) Op {
	rank := func(o Op) int {
		switch o {
		case Created:
			return 3
		case Deleted:
			return 2
		case Updated:
			return 1
		}
		return 0
	}
	best := Unchanged
	for _, o := range ops {
		if rank(o) > rank(best) {
			best = o
		}
	}
	return best
}
