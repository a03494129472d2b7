package s3

import "github.com/assemblekit/assemble/storage"

// vendor is what differs between S3 implementations.
type vendor struct {
	name string
	// pathStyle: buckets are addressed as endpoint/bucket.
	pathStyle bool
	// policies: the vendor supports bucket policies (and so public
	// prefixes); versioning and objectLock likewise.
	policies, versioning, objectLock bool
	// anonymousReads: the S3 endpoint itself serves public objects.
	anonymousReads bool
	price          storage.Price
}

var (
	hetzner = vendor{name: "Hetzner Object Storage", policies: true, versioning: true, objectLock: true, anonymousReads: true,
		price: storage.Price{Vendor: "Hetzner Object Storage", Currency: "EUR", Known: true,
			BaseMonthly: 4.99, IncludedTB: 1, PerTBMonth: 4.99, IncludedEgressTB: 1, PerTBEgress: 1.00,
			Source: "https://www.hetzner.com/storage/object-storage/", AsOf: "2025-06"}}
	minioServer = vendor{name: "MinIO", pathStyle: true, policies: true, versioning: true, objectLock: true, anonymousReads: true,
		price: storage.Price{Vendor: "MinIO (self-hosted)"}}
	r2 = vendor{name: "Cloudflare R2",
		price: storage.Price{Vendor: "Cloudflare R2", Currency: "USD", Known: true,
			IncludedTB: 0.01, PerTBMonth: 15, PerTBEgress: 0,
			Source: "https://developers.cloudflare.com/r2/pricing/", AsOf: "2025-06"}}
	aws = vendor{name: "Amazon S3", policies: true, versioning: true, objectLock: true, anonymousReads: true,
		price: storage.Price{Vendor: "Amazon S3 Standard (us-east-1)", Currency: "USD", Known: true,
			PerTBMonth: 23.55, IncludedEgressTB: 0.1, PerTBEgress: 92.16,
			Source: "https://aws.amazon.com/s3/pricing/", AsOf: "2025-06"}}
	generic = vendor{name: "S3", pathStyle: true, policies: true, versioning: true, objectLock: true, anonymousReads: true,
		price: storage.Price{Vendor: "S3-compatible endpoint"}}
)
