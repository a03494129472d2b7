package secret

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const plain = "hunter2-s3cr3t"

type holder struct {
	Name  string
	Token Value
	Ptr   *Value
	List  []Value
	Map   map[string]Value
}

type xmlHolder struct{ T Value }

func TestValueNeverPrints(t *testing.T) {
	v := New(plain)
	h := holder{Name: "n", Token: v, Ptr: &v, List: []Value{v}, Map: map[string]Value{"k": v}}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s", "%-10v", "%08v"} {
		outs = append(outs, fmt.Sprintf(verb, v), fmt.Sprintf(verb, h), fmt.Sprintf(verb, &h), fmt.Sprintf(verb, []Value{v}))
	}
	outs = append(outs, fmt.Sprint(v), fmt.Sprintln(v, h), v.String(), v.GoString())

	j, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(j))
	txt, _ := v.MarshalText()
	outs = append(outs, string(txt))
	x, err := xml.Marshal(xmlHolder{T: v})
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(x))

	var buf bytes.Buffer
	jl := slog.New(slog.NewJSONHandler(&buf, nil))
	jl.Info("msg", "token", v, "holder", h, slog.Any("ptr", &v))
	tl := slog.New(slog.NewTextHandler(&buf, nil))
	tl.Info("msg", "token", v, slog.Group("g", "t", v))
	outs = append(outs, buf.String())

	for _, o := range outs {
		if strings.Contains(o, plain) {
			t.Errorf("secret leaked in %q", o)
		}
		if !strings.Contains(o, Redacted) {
			t.Errorf("output %q does not say %s", o, Redacted)
		}
	}
	if !strings.Contains(buf.String(), `"token":"[REDACTED]"`) {
		t.Errorf("slog JSON did not redact token: %s", buf.String())
	}
}

func TestRevealAndEqual(t *testing.T) {
	v := New(plain)
	if v.Reveal() != plain {
		t.Fatal("Reveal lost the value")
	}
	if !v.Equal(New(plain)) || v.Equal(New("other")) || v != New(plain) {
		t.Fatal("Equal is wrong")
	}
	if !(Value{}).IsZero() || v.IsZero() || v.Len() != len(plain) {
		t.Fatal("IsZero/Len is wrong")
	}
}

func TestScrub(t *testing.T) {
	got := Scrub("error: token hunter2-s3cr3t refused; pw x", New(plain), New(""))
	if got != "error: token [REDACTED] refused; pw x" {
		t.Fatalf("Scrub = %q", got)
	}
}
