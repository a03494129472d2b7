//go:build tools

// Package tools pins dependencies that the rest of the tree imports, so that
// go.mod and go.sum are complete while the tree grows. It is never built.
package tools

import (
	_ "github.com/aws/aws-sdk-go-v2/aws"
	_ "github.com/aws/aws-sdk-go-v2/credentials"
	_ "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	_ "github.com/cloudflare/cloudflare-go/v7"
	_ "github.com/cloudflare/cloudflare-go/v7/dns"
	_ "github.com/cloudflare/cloudflare-go/v7/option"
	_ "github.com/cloudflare/cloudflare-go/v7/zones"
	_ "github.com/getkin/kin-openapi/openapi3"
	_ "github.com/getkin/kin-openapi/openapi3filter"
	_ "github.com/getkin/kin-openapi/routers/gorillamux"
	_ "github.com/google/go-containerregistry/pkg/authn"
	_ "github.com/google/go-containerregistry/pkg/name"
	_ "github.com/google/go-containerregistry/pkg/registry"
	_ "github.com/google/go-containerregistry/pkg/v1/remote"
	_ "github.com/hetznercloud/hcloud-go/v2/hcloud"
	_ "github.com/miekg/dns"
	_ "github.com/minio/minio-go/v7"
	_ "github.com/minio/minio-go/v7/pkg/cors"
	_ "github.com/minio/minio-go/v7/pkg/credentials"
	_ "github.com/minio/minio-go/v7/pkg/signer"
	_ "github.com/stretchr/testify/require"
	_ "go.yaml.in/yaml/v3"
	_ "golang.org/x/crypto/ssh"
	_ "golang.org/x/crypto/ssh/agent"
	_ "golang.org/x/crypto/ssh/knownhosts"
	_ "golang.org/x/sync/errgroup"
)
