// Package kamal writes what a recipe produced as Kamal 2 configuration:
// config/deploy.yml (or config/deploy.<destination>.yml) and .kamal/secrets
// (or .kamal/secrets.<destination>).
//
// Existing files are merged, never clobbered: the user's keys, their order
// and their comments stay; only the keys assemble owns are set. Everything it
// writes is checked against Kamal's own configuration rules (the validators
// in Kamal's lib/kamal/configuration) before anything is written.
package kamal
