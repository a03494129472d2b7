package storage

import "fmt"

// Price is a vendor's list price for object storage, as a provider preset
// knows it. It is a snapshot, not a quote: Source and AsOf say where it came
// from and when, so a caller can check it.
type Price struct {
	// Vendor names the offer, such as "Hetzner Object Storage".
	Vendor string
	// Currency is an ISO 4217 code: "EUR", "USD".
	Currency string
	// BaseMonthly is the fixed monthly fee, paid even for an empty bucket
	// (Hetzner's base price); zero when there is none.
	BaseMonthly float64
	// IncludedTB is the storage, in TB, that BaseMonthly (or a free tier)
	// includes.
	IncludedTB float64
	// PerTBMonth is the price of each further TB stored for a month.
	PerTBMonth float64
	// IncludedEgressTB is the outgoing traffic, in TB per month, included.
	IncludedEgressTB float64
	// PerTBEgress is the price of each further TB of outgoing traffic.
	PerTBEgress float64
	// Source is the URL of the vendor's price page the numbers come from.
	Source string
	// AsOf is when the numbers were taken from Source (YYYY-MM).
	AsOf string
	// Known is false when the preset has no price list (a self-hosted MinIO,
	// a generic endpoint); every number is then zero.
	Known bool
}

// Monthly estimates one month's bill for storedTB of data and egressTB of
// outgoing traffic.
func (p Price) Monthly(storedTB, egressTB float64) float64 {
	cost := p.BaseMonthly
	if extra := storedTB - p.IncludedTB; extra > 0 {
		cost += extra * p.PerTBMonth
	}
	if extra := egressTB - p.IncludedEgressTB; extra > 0 {
		cost += extra * p.PerTBEgress
	}
	return cost
}

// String renders the price on one line, e.g.
// "Hetzner Object Storage: 4.99 EUR/month incl. 1 TB, then 4.99 EUR/TB-month; egress 1 TB incl., then 1.00 EUR/TB (https://…, 2026-01)".
func (p Price) String() string {
	if !p.Known {
		return p.Vendor + ": no price list"
	}
	return fmt.Sprintf("%s: %.2f %s/month incl. %g TB, then %.2f %s/TB-month; egress %g TB incl., then %.2f %s/TB (%s, %s)",
		p.Vendor, p.BaseMonthly, p.Currency, p.IncludedTB, p.PerTBMonth, p.Currency,
		p.IncludedEgressTB, p.PerTBEgress, p.Currency, p.Source, p.AsOf)
}
