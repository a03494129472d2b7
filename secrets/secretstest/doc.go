// Package secretstest holds fakes of the password managers the secrets
// providers talk to, for tests of those providers and of programs that embed
// them:
//
//   - CLIs: fake `op`, `lpass`, `bw`, `doppler` and `aws` executables. They
//     are the test binary itself, re-executed through small wrapper scripts
//     in a temporary directory (call Main from TestMain), and they answer
//     from a scenario of exact argument lists → stdout, stderr and exit code.
//     Every call's arguments, stdin and password-manager environment is
//     recorded; a call the scenario does not expect fails the test.
//   - SecretsManager: a stateful AWS Secrets Manager endpoint (JSON 1.1
//     protocol, X-Amz-Target, __type errors).
//   - Doppler: a stateful Doppler REST API (/v3/configs/config/secrets…).
//
// Both HTTP fakes wrap their handler with sim.Knobs for latency, faults and
// a request log.
package secretstest
