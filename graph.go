package assemble

import "sort"

// graph is a checked dependency graph over a recipe's steps.
type graph struct {
	steps []Step
	// needs[i] are the indexes of the steps step i needs.
	needs [][]int
	// order is a topological order, stable in the order steps were added.
	order []int
}

// buildGraph checks that every needed step exists and there is no cycle.
func buildGraph(recipe string, steps []Step) (*graph, error) {
	idx := make(map[string]int, len(steps))
	for i, s := range steps {
		if _, dup := idx[s.Name()]; dup {
			return nil, &GraphError{Recipe: recipe, Duplicate: s.Name()}
		}
		idx[s.Name()] = i
	}
	g := &graph{steps: steps, needs: make([][]int, len(steps))}
	missing := map[string][]string{}
	for i, s := range steps {
		for _, n := range s.Needs() {
			j, ok := idx[n]
			if !ok {
				missing[s.Name()] = append(missing[s.Name()], n)
				continue
			}
			g.needs[i] = append(g.needs[i], j)
		}
	}
	if len(missing) > 0 {
		return nil, &GraphError{Recipe: recipe, Missing: missing}
	}
	// Depth-first search: white 0, grey 1, black 2.
	color := make([]int, len(steps))
	var stack []int
	var cycle []string
	var visit func(i int) bool
	visit = func(i int) bool {
		color[i] = 1
		stack = append(stack, i)
		for _, j := range g.needs[i] {
			switch color[j] {
			case 1:
				for k := len(stack) - 1; k >= 0; k-- {
					if stack[k] == j {
						for _, m := range stack[k:] {
							cycle = append(cycle, steps[m].Name())
						}
						cycle = append(cycle, steps[j].Name())
						break
					}
				}
				return false
			case 0:
				if !visit(j) {
					return false
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[i] = 2
		g.order = append(g.order, i)
		return true
	}
	for i := range steps {
		if color[i] == 0 && !visit(i) {
			return nil, &GraphError{Recipe: recipe, Cycle: cycle}
		}
	}
	return g, nil
}

// dependents returns, for each step, the steps that need it.
func (g *graph) dependents() [][]int {
	out := make([][]int, len(g.steps))
	for i, ns := range g.needs {
		for _, j := range ns {
			out[j] = append(out[j], i)
		}
	}
	return out
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
