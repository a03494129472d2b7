package s3

import (
	"bytes"
	"context"
	"encoding/json"
	"io"

	"github.com/minio/minio-go/v7"
)

// MarkerKey is the object that marks a bucket as made by an assemble recipe.
// Hetzner Object Storage has no bucket tagging, so ownership lives in the
// bucket itself, as a tiny private JSON object:
// {"managed_by":"assemble","owner":"<recipe>"}.
const MarkerKey = ".assemble/owner.json"

type marker struct {
	ManagedBy string `json:"managed_by"`
	Owner     string `json:"owner"`
}

// readMarker returns the bucket's owner, and whether it has a marker at all.
func (p *Provider) readMarker(ctx context.Context, bucket string) (owner string, ok bool, err error) {
	obj, err := p.client.GetObject(ctx, bucket, MarkerKey, minio.GetObjectOptions{})
	if err != nil {
		return "", false, p.wrap("read owner marker of bucket", bucket, err)
	}
	defer obj.Close()
	data, err := io.ReadAll(io.LimitReader(obj, 4096))
	if err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return "", false, nil
		}
		return "", false, p.wrap("read owner marker of bucket", bucket, err)
	}
	var m marker
	if json.Unmarshal(data, &m) != nil || m.ManagedBy != "assemble" {
		// Something else lives at our key: treat as unmarked but present.
		return "", true, nil
	}
	return m.Owner, true, nil
}

func (p *Provider) writeMarker(ctx context.Context, bucket, owner string) error {
	data, _ := json.Marshal(marker{ManagedBy: "assemble", Owner: owner})
	_, err := p.client.PutObject(ctx, bucket, MarkerKey, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: "application/json", DisableMultipart: true, SendContentMd5: true})
	return p.wrap("write owner marker to bucket", bucket, err)
}
