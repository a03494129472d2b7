package assemble

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/assemblekit/assemble/server"
	"github.com/assemblekit/assemble/storage"
)

// Estimate is a monthly cost breakdown: one line per priced item, each with
// where its figure came from, and a total per currency.
type Estimate struct {
	Lines []CostLine
	// Totals maps a currency to the sum of the lines in it.
	Totals map[string]float64
}

// CostLine is one priced item.
type CostLine struct {
	// Item says what is priced: `server "shop-1" (cx23, fsn1)`.
	Item string
	// Monthly is the price per month, gross.
	Monthly  float64
	Currency string
	// Source says where the figure came from: a vendor API, a price page,
	// or "declared" for items added with Recipe.Cost.
	Source string
	// Note qualifies the figure ("incl. 1 TB storage and 1 TB egress").
	Note string
}

// String renders the line: "server "shop-1" (cx23, fsn1)  4.85 EUR/month  [hetzner /pricing]".
func (l CostLine) String() string {
	s := fmt.Sprintf("%-40s %8.2f %s/month  [%s]", l.Item, l.Monthly, l.Currency, l.Source)
	if l.Note != "" {
		s += " " + l.Note
	}
	return s
}

// String renders the estimate, a line per item, then the totals.
func (e *Estimate) String() string {
	var b strings.Builder
	for _, l := range e.Lines {
		b.WriteString(l.String())
		b.WriteByte('\n')
	}
	curs := make([]string, 0, len(e.Totals))
	for c := range e.Totals {
		curs = append(curs, c)
	}
	sort.Strings(curs)
	for _, c := range curs {
		fmt.Fprintf(&b, "%-40s %8.2f %s/month\n", "total", e.Totals[c], c)
	}
	return b.String()
}

type declaredCost struct {
	item     string
	monthly  float64
	currency string
	source   string
}

// Cost declares a monthly cost the recipe can't look up — the domain, a
// registry plan, password manager seats — so Estimate lists it. source says
// where the figure comes from ("registrar invoice", a price page URL).
func (r *Recipe) Cost(item string, monthly float64, currency, source string) *Recipe {
	r.costs = append(r.costs, declaredCost{item, monthly, currency, source})
	return r
}

// StorageUsage sets the stored data and monthly egress, in TB, that Estimate
// prices object storage for. The default is none: the base price.
func (r *Recipe) StorageUsage(storedTB, egressTB float64) *Recipe {
	r.storedTB, r.egressTB = storedTB, egressTB
	return r
}

// Estimate prices the recipe per month: the server from its vendor's
// pricing API (type and location, with its IPv4), object storage from the
// provider preset's price list, and the items declared with Cost. It
// mutates nothing. Providers that can't price say so in a line with no
// figure rather than being left out.
func (r *Recipe) Estimate(ctx context.Context) (*Estimate, error) {
	if err := validateName(r.name); err != nil {
		return nil, err
	}
	e := &Estimate{Totals: map[string]float64{}}
	add := func(l CostLine) {
		e.Lines = append(e.Lines, l)
		if l.Currency != "" {
			e.Totals[l.Currency] += l.Monthly
		}
	}
	for _, s := range r.steps {
		switch st := s.(type) {
		case *serverStep:
			spec := st.resolve(&Outputs{})
			item := fmt.Sprintf("server %q (%s, %s)", spec.Name, spec.Type, spec.Location)
			est, ok := st.p.(server.Estimator)
			if !ok {
				add(CostLine{Item: item, Source: "the provider has no price list"})
				continue
			}
			p, err := est.Estimate(ctx, spec)
			if err != nil {
				return nil, fmt.Errorf("estimate server %q: %w", spec.Name, err)
			}
			monthly, err := strconv.ParseFloat(p.Monthly, 64)
			if err != nil {
				return nil, fmt.Errorf("estimate server %q: price %q is not a number: %w", spec.Name, p.Monthly, err)
			}
			add(CostLine{Item: item, Monthly: monthly, Currency: p.Currency, Source: p.Source, Note: "incl. primary IPv4"})
		case *storageStep:
			spec := st.resolve()
			item := fmt.Sprintf("bucket %q", spec.Name)
			est, ok := st.p.(storage.Estimator)
			if !ok {
				add(CostLine{Item: item, Source: "the provider has no price list"})
				continue
			}
			p, err := est.Estimate(ctx, spec)
			if err != nil {
				return nil, fmt.Errorf("estimate bucket %q: %w", spec.Name, err)
			}
			if !p.Known {
				add(CostLine{Item: item, Source: p.Vendor + ": no price list"})
				continue
			}
			add(CostLine{
				Item: item, Monthly: p.Monthly(r.storedTB, r.egressTB), Currency: p.Currency,
				Source: fmt.Sprintf("%s %s (%s)", p.Vendor, p.Source, p.AsOf),
				Note:   fmt.Sprintf("for %g TB stored, %g TB egress; %g TB and %g TB egress included", r.storedTB, r.egressTB, p.IncludedTB, p.IncludedEgressTB),
			})
		}
	}
	for _, c := range r.costs {
		add(CostLine{Item: c.item, Monthly: c.monthly, Currency: c.currency, Source: "declared: " + c.source})
	}
	return e, nil
}
