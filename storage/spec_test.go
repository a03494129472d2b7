package storage

import (
	"errors"
	"strings"
	"testing"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/stretchr/testify/require"
)

func TestValidateBucketNameIllegal(t *testing.T) {
	cases := []struct{ name, rule string }{
		{"", "empty"},
		{"ab", "3 to 63"},
		{strings.Repeat("a", 64), "3 to 63"},
		{"Shop-Uploads", "uppercase"},
		{"shop_uploads", "underscores"},
		{"shop uploads", "not allowed"},
		{"shop/uploads", "not allowed"},
		{"-shop", "start and end"},
		{"shop-", "start and end"},
		{".shop", "start and end"},
		{"shop..uploads", "adjacent dots"},
		{"shop.-uploads", "dot next to a hyphen"},
		{"192.168.5.4", "IP address"},
		{"xn--shop", `"xn--"`},
		{"sthree-shop", `"sthree-"`},
		{"amzn-s3-demo-shop", `"amzn-s3-demo-"`},
		{"shop-s3alias", `"-s3alias"`},
		{"shop--ol-s3", `"--ol-s3"`},
		{"shop.mrap", `".mrap"`},
		{"shop--x-s3", `"--x-s3"`},
		{"shop--table-s3", `"--table-s3"`},
		{"shöp", "not allowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := BucketSpec{Name: c.name, Owner: "shop"}.Validate()
			require.Error(t, err)
			require.ErrorIs(t, err, ensure.ErrInvalidSpec)
			var ie *ensure.InvalidError
			require.True(t, errors.As(err, &ie))
			require.Equal(t, "bucket.name", ie.Field)
			require.Contains(t, ie.Reason, c.rule)
			require.NotEmpty(t, ie.Fix)
		})
	}
}

func TestValidateBucketNameLegal(t *testing.T) {
	for _, n := range []string{"abc", "shop-uploads", "shop.uploads.eu", "a1-b2-c3", strings.Repeat("a", 63), "1shop", "192.168.5"} {
		require.NoError(t, ValidateBucketName(n), n)
	}
}

func TestValidateSpecFields(t *testing.T) {
	ok := BucketSpec{Name: "shop-uploads", Owner: "shop", PublicPrefixes: []string{"public/"}, CORSOrigins: []string{"https://shop.example.com", "http://127.0.0.1:3000", "*"}}
	require.NoError(t, ok.Validate())
	cases := []struct {
		mut   func(*BucketSpec)
		field string
	}{
		{func(s *BucketSpec) { s.Owner = "" }, "bucket.owner"},
		{func(s *BucketSpec) { s.Region = "EU Central" }, "bucket.region"},
		{func(s *BucketSpec) { s.PublicPrefixes = []string{""} }, "bucket.public_prefixes"},
		{func(s *BucketSpec) { s.PublicPrefixes = []string{"/public"} }, "bucket.public_prefixes"},
		{func(s *BucketSpec) { s.PublicPrefixes = []string{"pub*"} }, "bucket.public_prefixes"},
		{func(s *BucketSpec) { s.PublicPrefixes = []string{"a/", "a/"} }, "bucket.public_prefixes"},
		{func(s *BucketSpec) { s.CORSOrigins = []string{"shop.example.com"} }, "bucket.cors_origins"},
		{func(s *BucketSpec) { s.CORSOrigins = []string{"ftp://shop.example.com"} }, "bucket.cors_origins"},
		{func(s *BucketSpec) { s.CORSOrigins = []string{"https://shop.example.com/app"} }, "bucket.cors_origins"},
		{func(s *BucketSpec) { s.CORSOrigins = []string{"https://shop.example.com/"} }, "bucket.cors_origins"},
	}
	for i, c := range cases {
		s := ok
		s.PublicPrefixes = append([]string(nil), ok.PublicPrefixes...)
		s.CORSOrigins = append([]string(nil), ok.CORSOrigins...)
		c.mut(&s)
		err := s.Validate()
		var ie *ensure.InvalidError
		require.True(t, errors.As(err, &ie), "case %d: %v", i, err)
		require.Equal(t, c.field, ie.Field, "case %d", i)
	}
}

func TestEnv(t *testing.T) {
	b := &Bucket{Name: "shop-uploads", Region: "fsn1", Endpoint: "https://fsn1.your-objectstorage.com",
		PublicURL: "https://shop-uploads.fsn1.your-objectstorage.com", AccessKey: secret.New("AK"), SecretKey: secret.New("SK-very-secret")}
	e := b.Env()
	require.Equal(t, "shop-uploads", e.Clear[EnvBucket])
	require.Equal(t, "fsn1", e.Clear[EnvRegion])
	require.Equal(t, "false", e.Clear[EnvForcePathStyle])
	require.Equal(t, "SK-very-secret", e.Secret[EnvSecretAccessKey].Reveal())
	for k, v := range e.Clear {
		require.NotContains(t, v, "SK-very-secret", k)
	}
}

func TestPriceMonthly(t *testing.T) {
	p := Price{Known: true, BaseMonthly: 5, IncludedTB: 1, PerTBMonth: 5, IncludedEgressTB: 1, PerTBEgress: 1}
	require.InDelta(t, 5, p.Monthly(0.5, 0), 1e-9)
	require.InDelta(t, 5+5+2, p.Monthly(2, 3), 1e-9)
}
