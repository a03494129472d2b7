package ensure

import (
	"context"
	"errors"
	"testing"
)

func TestOpMutates(t *testing.T) {
	for op, want := range map[Op]bool{Created: true, Updated: true, Deleted: true, Unchanged: false, "": false} {
		if got := op.Mutates(); got != want {
			t.Errorf("%q.Mutates() = %v, want %v", op, got, want)
		}
	}
}

func TestMerge(t *testing.T) {
	cases := []struct {
		in   []Op
		want Op
	}{
		{nil, Unchanged},
		{[]Op{Unchanged, ""}, Unchanged},
		{[]Op{Updated, Unchanged}, Updated},
		{[]Op{Updated, Created}, Created},
		{[]Op{Deleted, Updated}, Deleted},
	}
	for _, c := range cases {
		if got := Merge(c.in...); got != c.want {
			t.Errorf("Merge(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestInvalidErrorUnwraps(t *testing.T) {
	err := Invalid("bucket.name", "My_Bucket", "uppercase letters are not allowed", "use lowercase")
	if !errors.Is(err, ErrInvalidSpec) {
		t.Fatal("InvalidError does not unwrap to ErrInvalidSpec")
	}
	want := `invalid bucket.name "My_Bucket": uppercase letters are not allowed (use lowercase)`
	if err.Error() != want {
		t.Fatalf("got %q, want %q", err.Error(), want)
	}
	var ie *InvalidError
	if !errors.As(err, &ie) || ie.Field != "bucket.name" {
		t.Fatalf("errors.As failed: %#v", ie)
	}
}

func TestReport(t *testing.T) {
	var got []string
	ctx := WithReporter(context.Background(), func(m string) { got = append(got, m) })
	Report(ctx, "waiting for %s", "server")
	Report(context.Background(), "dropped")
	if len(got) != 1 || got[0] != "waiting for server" {
		t.Fatalf("got %v", got)
	}
}
