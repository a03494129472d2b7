package cloudflare

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	cfdns "github.com/cloudflare/cloudflare-go/v7/dns"
	"github.com/cloudflare/cloudflare-go/v7/option"
)

// rec is a DNS record as the provider reasons about it.
type rec struct {
	ID, Name, Type, Content, Comment string
	TTL                              int
	Proxied                          bool
	Created                          time.Time
}

func fromAPI(r cfdns.RecordResponse) rec {
	return rec{
		ID: r.ID, Name: strings.ToLower(r.Name), Type: string(r.Type), Content: r.Content,
		Comment: r.Comment, TTL: int(r.TTL), Proxied: r.Proxied, Created: r.CreatedOn,
	}
}

// maxPages bounds listing; 100 records a page.
const maxPages = 100

// listAt lists every record at name (all types), page by page. It pages by
// hand: the SDK's auto-pager fetches later pages without the context.
func (p *Provider) listAt(ctx context.Context, z zoneInfo, name string) ([]rec, error) {
	var out []rec
	for page := 1; page <= maxPages; page++ {
		var params cfdns.RecordListParams
		params.ZoneID.Value, params.ZoneID.Present = z.ID, true
		params.Name.Value, params.Name.Present = cfdns.RecordListParamsName{}, true
		params.Name.Value.Exact.Value, params.Name.Value.Exact.Present = name, true
		params.Page.Value, params.Page.Present = float64(page), true
		params.PerPage.Value, params.PerPage.Present = 100, true
		res, err := p.records.List(ctx, params)
		if err != nil {
			return nil, p.wrap(fmt.Sprintf("list dns records %q", name), err)
		}
		for _, r := range res.Result {
			out = append(out, fromAPI(r))
		}
		// A short page is the last; a full one may be followed by an
		// empty page, which Cloudflare sends past the end.
		if len(res.Result) < 100 {
			return out, nil
		}
	}
	return out, fmt.Errorf("list dns records %q: more than %d pages", name, maxPages)
}

// createOnce sends one create with the SDK's retries off: a create that
// got no answer may have committed, so the caller looks before trying again.
func (p *Provider) createOnce(ctx context.Context, z zoneInfo, s want) (rec, error) {
	var params cfdns.RecordNewParams
	params.ZoneID.Value, params.ZoneID.Present = z.ID, true
	var body cfdns.RecordNewParamsBody
	body.Name.Value, body.Name.Present = s.Name, true
	body.Type.Value, body.Type.Present = cfdns.RecordNewParamsBodyType(s.Type), true
	body.Content.Value, body.Content.Present = s.Content, true
	body.TTL.Value, body.TTL.Present = cfdns.TTL(s.TTL), true
	body.Proxied.Value, body.Proxied.Present = s.Proxied, true
	body.Comment.Value, body.Comment.Present = s.Comment, true
	params.Body = body
	res, err := p.records.New(ctx, params, option.WithMaxRetries(0))
	if err != nil {
		return rec{}, p.wrap(fmt.Sprintf("create dns record %q", s.Name), err)
	}
	return fromAPI(*res), nil
}

// patch sends only the fields in d (and the type, which Cloudflare uses to
// read the body).
func (p *Provider) patch(ctx context.Context, z zoneInfo, id string, s want, d diff) (rec, error) {
	var params cfdns.RecordEditParams
	params.ZoneID.Value, params.ZoneID.Present = z.ID, true
	var body cfdns.RecordEditParamsBody
	body.Type.Value, body.Type.Present = cfdns.RecordEditParamsBodyType(s.Type), true
	if d.content {
		body.Content.Value, body.Content.Present = s.Content, true
	}
	if d.ttl {
		body.TTL.Value, body.TTL.Present = cfdns.TTL(s.TTL), true
	}
	if d.proxied {
		body.Proxied.Value, body.Proxied.Present = s.Proxied, true
	}
	if d.comment {
		body.Comment.Value, body.Comment.Present = s.Comment, true
	}
	params.Body = body
	res, err := p.records.Edit(ctx, id, params)
	if err != nil {
		return rec{}, p.wrap(fmt.Sprintf("update dns record %q", s.Name), err)
	}
	return fromAPI(*res), nil
}

// remove deletes a record; one that is already gone counts as deleted.
func (p *Provider) remove(ctx context.Context, z zoneInfo, r rec) error {
	var params cfdns.RecordDeleteParams
	params.ZoneID.Value, params.ZoneID.Present = z.ID, true
	_, err := p.records.Delete(ctx, r.ID, params)
	if err != nil {
		werr := p.wrap(fmt.Sprintf("delete dns record %q (%s)", r.Name, r.ID), err)
		if ae, ok := werr.(*APIError); ok && ae.Has(CodeRecordNotFound) {
			return nil
		}
		return werr
	}
	return nil
}

func sameAddr(a, b string) bool {
	x, err1 := netip.ParseAddr(a)
	y, err2 := netip.ParseAddr(b)
	if err1 != nil || err2 != nil {
		return strings.EqualFold(a, b)
	}
	return x.Unmap() == y.Unmap()
}
