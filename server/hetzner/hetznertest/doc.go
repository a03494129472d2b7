// Package hetznertest is a stateful, in-process simulator of the Hetzner
// Cloud API (https://api.hetzner.cloud/v1) for tests and the sandbox.
//
// It speaks the API as Hetzner's OpenAPI description says, for what the
// server provider and the hcloud CLI use: servers, ssh_keys, firewalls (with
// the apply_to_resources, remove_from_resources and set_rules actions),
// actions (including GET /actions?id=…&sort=…), server_types, locations,
// images and pricing; Bearer tokens (401 with Hetzner's envelope), name
// uniqueness (409 uniqueness_error), label selectors, pagination, sorting,
// actions that finish after a configurable time, and RateLimit-* headers with
// 429 past a configurable budget.
//
// For Hetzner DNS, which lives in the Cloud API too, it serves zones and
// RRsets (with the set_records, add_records, remove_records, update_records,
// change_ttl and change_protection actions) and answers DNS for them: each
// zone's assigned nameserver gets an authoritative listener on loopback
// (NameserverAddrs), with knobs for propagation delay per nameserver.
//
// Servers get IPv4 addresses from 127.0.1.0/24 (loopback, so nothing can
// leave the machine even by mistake) and IPv6 networks from 2001:db8::/32
// (documentation space, never dialled). OnBoot hooks let a test or the
// sandbox attach a host to each server before it turns running.
//
// Every request passes through a sim.Knobs (Knobs) for latency, injected
// faults and the request log.
package hetznertest
