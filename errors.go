package assemble

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// StepError is the failure of one step.
type StepError struct {
	Step string
	Err  error
}

// Error implements error: "step server: …".
func (e *StepError) Error() string { return "step " + e.Step + ": " + e.Err.Error() }

// Unwrap returns the step's error.
func (e *StepError) Unwrap() error { return e.Err }

// RecipeError is a run that failed: which steps failed and why. The first
// entries are the steps that failed by themselves; steps stopped because of
// them follow.
type RecipeError struct {
	Recipe string
	Action Action
	Steps  []*StepError
}

// Error implements error.
func (e *RecipeError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s recipe %q: ", e.Action, e.Recipe)
	for i, s := range e.Steps {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(s.Error())
	}
	return b.String()
}

// Unwrap returns every step's error, so errors.Is and errors.As look into all
// of them.
func (e *RecipeError) Unwrap() []error {
	out := make([]error, len(e.Steps))
	for i, s := range e.Steps {
		out[i] = s
	}
	return out
}

// Failed returns the names of the steps that failed.
func (e *RecipeError) Failed() []string {
	out := make([]string, len(e.Steps))
	for i, s := range e.Steps {
		out[i] = s.Step
	}
	return out
}

// GraphError is a recipe whose steps can't be ordered: a step needs one that
// isn't in the recipe, or steps need each other in a cycle. Nothing runs.
type GraphError struct {
	Recipe string
	// Missing maps a step to the steps it needs that are absent.
	Missing map[string][]string
	// Cycle lists the steps of a dependency cycle, first repeated at the end.
	Cycle []string
	// Duplicate is a step name added twice.
	Duplicate string
}

// Error implements error.
func (e *GraphError) Error() string {
	var parts []string
	if e.Duplicate != "" {
		parts = append(parts, fmt.Sprintf("step %q added twice", e.Duplicate))
	}
	for _, step := range sortedKeys(e.Missing) {
		parts = append(parts, fmt.Sprintf("step %q needs %s, which the recipe doesn't have (add it)", step, strings.Join(e.Missing[step], ", ")))
	}
	if len(e.Cycle) > 0 {
		parts = append(parts, "steps depend on each other in a cycle: "+strings.Join(e.Cycle, " → "))
	}
	return fmt.Sprintf("check recipe %q: %s", e.Recipe, strings.Join(parts, "; "))
}

// isCancel reports whether err is only a consequence of cancellation.
func isCancel(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
