package secretstest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/secrets/secretstest"
	"github.com/assemblekit/assemble/sim"
)

func TestMain(m *testing.M) { secretstest.Main(m) }

func TestFakeCLIs(t *testing.T) {
	fakes, err := secretstest.OpenCLIs()
	require.NoError(t, err)
	defer fakes.Close()
	fakes.On("op", "--version").Stdout("2.30.0\n").Always()
	fakes.On("lpass", "status", "--color", "never").Stdout("Logged in as a@b.c.\n")
	fakes.On("bw", "create", "item").Do(func(i secretstest.Invocation) secretstest.Reply {
		return secretstest.Reply{Stdout: "got " + i.Stdin, Exit: 4, Stderr: "boom"}
	})

	for range 2 {
		out, err := exec.Command(fakes.Path("op"), "--version").Output()
		require.NoError(t, err)
		require.Equal(t, "2.30.0\n", string(out))
	}
	require.Equal(t, []string{"lpass status --color never", "bw create item"}, fakes.Pending())

	cmd := exec.Command(fakes.Path("bw"), "create", "item")
	cmd.Stdin = strings.NewReader("e30=")
	cmd.Env = append(cmd.Environ(), "BW_SESSION=s", "HOME_NOT_RECORDED=x")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	require.Equal(t, 4, ee.ExitCode())
	require.Equal(t, "got e30=", stdout.String())
	require.Equal(t, "boom", stderr.String())

	// Through PATH, like a provider using the default binary name.
	cmd = exec.Command("sh", "-c", "PATH="+fakes.Dir()+":$PATH lpass status --color never")
	out, err := cmd.Output()
	require.NoError(t, err)
	require.Equal(t, "Logged in as a@b.c.\n", string(out))

	// Unexpected calls fail loudly: exit 99 and a message, and recorded.
	err = exec.Command(fakes.Path("doppler"), "me").Run()
	require.ErrorAs(t, err, &ee)
	require.Equal(t, 99, ee.ExitCode())
	require.Len(t, fakes.Unexpected(), 1)
	require.Equal(t, "doppler me", fakes.Unexpected()[0].String())

	calls := fakes.Calls()
	require.Len(t, calls, 5)
	require.Equal(t, "s", calls[2].Env["BW_SESSION"])
	require.NotContains(t, calls[2].Env, "HOME_NOT_RECORDED", "only password-manager variables are recorded")
	require.Equal(t, "e30=", calls[2].Stdin)
	require.Empty(t, fakes.Pending())
	require.Equal(t, []string{"bw create item"}, fakes.ArgLeaks("create"))
}

func smCall(t *testing.T, url, op, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "secretsmanager."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=x")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m), string(b))
	return resp.StatusCode, m
}

func TestSecretsManagerProtocol(t *testing.T) {
	sm, url := secretstest.StartSecretsManager(t)
	st, m := smCall(t, url, "GetSecretValue", `{"SecretId":"x"}`)
	require.Equal(t, 400, st)
	require.Equal(t, "ResourceNotFoundException", m["__type"])

	st, m = smCall(t, url, "CreateSecret", `{"Name":"app","SecretString":"v1","ClientRequestToken":"tok-1"}`)
	require.Equal(t, 200, st)
	require.Equal(t, "tok-1", m["VersionId"])
	// Same token, same value: the retry succeeds; another token: exists.
	st, _ = smCall(t, url, "CreateSecret", `{"Name":"app","SecretString":"v1","ClientRequestToken":"tok-1"}`)
	require.Equal(t, 200, st)
	st, m = smCall(t, url, "CreateSecret", `{"Name":"app","SecretString":"v1","ClientRequestToken":"tok-2"}`)
	require.Equal(t, 400, st)
	require.Equal(t, "ResourceExistsException", m["__type"])

	st, _ = smCall(t, url, "PutSecretValue", `{"SecretId":"app","SecretString":"v2","ClientRequestToken":"tok-3"}`)
	require.Equal(t, 200, st)
	v, _ := sm.Value("app")
	require.Equal(t, "v2", v)
	require.Equal(t, 2, sm.Versions("app"))

	st, m = smCall(t, url, "BatchGetSecretValue", `{"SecretIdList":["app","nope"]}`)
	require.Equal(t, 200, st)
	require.Len(t, m["SecretValues"], 1)
	require.Equal(t, "ResourceNotFoundException", m["Errors"].([]any)[0].(map[string]any)["ErrorCode"])
	ids := `"a"` + strings.Repeat(`,"a"`, 20)
	st, m = smCall(t, url, "BatchGetSecretValue", `{"SecretIdList":[`+ids+`]}`)
	require.Equal(t, 400, st)
	require.Equal(t, "InvalidParameterException", m["__type"])

	sm.Knobs().Inject(sim.Fault{Kind: sim.RateLimit, Path: "/GetSecretValue"})
	st, m = smCall(t, url, "GetSecretValue", `{"SecretId":"app"}`)
	require.Equal(t, 429, st)
	require.Equal(t, "ThrottlingException", m["__type"])
	require.Equal(t, 4, sm.MutatingOps(), "three creates and a put")
	require.Equal(t, 3, sm.Knobs().Count("POST", "/CreateSecret"))
	require.Equal(t, []string{"app"}, sm.Names())
}

func TestDopplerAPI(t *testing.T) {
	d, url := secretstest.StartDoppler(t)
	d.AddToken("tok")
	d.Set("shop", "prd", "A", "1")
	get := func(path, token string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodGet, url+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var m map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
		return resp.StatusCode, m
	}
	st, m := get("/v3/configs/config/secrets?project=shop&config=prd&secrets=A", "tok")
	require.Equal(t, 200, st)
	require.Equal(t, map[string]any{"A": map[string]any{"raw": "1", "computed": "1", "note": ""}}, m["secrets"])
	st, m = get("/v3/configs/config/secret?project=shop&config=prd&name=B", "tok")
	require.Equal(t, 404, st)
	require.Equal(t, false, m["success"])
	require.Equal(t, []any{"Could not find requested secret: B"}, m["messages"])
	st, _ = get("/v3/me", "wrong")
	require.Equal(t, 401, st)
	st, _ = get("/v3/configs/config/secrets?project=shop&config=dev", "tok")
	require.Equal(t, 404, st)
	require.Equal(t, 0, d.Knobs().Mutating())
}
