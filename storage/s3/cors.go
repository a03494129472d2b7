package s3

import (
	"sort"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7/pkg/cors"
)

// CORS rule values assemble writes for browser direct uploads.
var (
	corsMethods       = []string{"GET", "HEAD", "POST", "PUT"}
	corsAllowHeaders  = []string{"*"}
	corsExposeHeaders = []string{"ETag"}
)

const corsMaxAge = 3600

// desiredCORS returns the CORS configuration for origins, nil when none.
func desiredCORS(origins []string) *cors.Config {
	if len(origins) == 0 {
		return nil
	}
	o := append([]string(nil), origins...)
	sort.Strings(o)
	return cors.NewConfig([]cors.Rule{{
		AllowedOrigin: o,
		AllowedMethod: append([]string(nil), corsMethods...),
		AllowedHeader: append([]string(nil), corsAllowHeaders...),
		ExposeHeader:  append([]string(nil), corsExposeHeaders...),
		MaxAgeSeconds: corsMaxAge,
	}})
}

// sameCORS compares two configurations by meaning: rule order, list order,
// method and header case, and rule IDs don't matter.
func sameCORS(a, b *cors.Config) bool {
	na, nb := normalizeCORS(a), normalizeCORS(b)
	if len(na) != len(nb) {
		return false
	}
	for i := range na {
		if na[i] != nb[i] {
			return false
		}
	}
	return true
}

func normalizeCORS(c *cors.Config) []string {
	if c == nil {
		return nil
	}
	out := make([]string, 0, len(c.CORSRules))
	for _, r := range c.CORSRules {
		out = append(out, strings.Join([]string{
			"origin=" + sortedJoin(r.AllowedOrigin, false),
			"method=" + sortedJoin(r.AllowedMethod, true),
			"header=" + sortedJoin(r.AllowedHeader, true),
			"expose=" + sortedJoin(r.ExposeHeader, true),
			"maxage=" + strconv.Itoa(r.MaxAgeSeconds),
		}, ";"))
	}
	sort.Strings(out)
	return out
}

func sortedJoin(l []string, fold bool) string {
	c := make([]string, len(l))
	for i, v := range l {
		if fold {
			v = strings.ToLower(v)
		}
		c[i] = strings.TrimSpace(v)
	}
	sort.Strings(c)
	return strings.Join(c, ",")
}

// corsOrigins lists the origins of a configuration, for plan details.
func corsOrigins(c *cors.Config) []string {
	if c == nil {
		return nil
	}
	var out []string
	for _, r := range c.CORSRules {
		out = append(out, r.AllowedOrigin...)
	}
	return out
}
