// Webhook and routine records (the registries behind `/api/webhooks` and
// `/api/routines`), their JSON, the validation of HTTP bodies that create or
// change them, and cron expression checking. The engines that run them
// (invocation, scheduling) build on these. Pure and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/expected.hpp"

namespace wingman::protocol {

/// A webhook (`POST /webhooks/<id>` target).
struct webhook_record {
  std::string id;
  std::string name;
  std::string agent_id;
  std::string secret;
  bool enabled = true;
  std::string event_label;
  std::string preset;                  ///< "", "gog-gmail" or "github".
  std::string session_id;              ///< "" = `agent:<agentId>:webhook:<id>`.
  std::vector<std::string> allowlist;  ///< CIDRs; empty = any address.
  int64_t created_at = 0;
  int64_t last_triggered_at = 0;       ///< 0 = never.
};

/// A routine (cron-scheduled prompt).
struct routine_record {
  std::string id;
  std::string name;
  std::string agent_id;
  std::string cron;
  std::string prompt;
  bool enabled = true;
  std::string session_id;              ///< "" = `agent:<agentId>:routine:<id>`.
  std::string timezone;                ///< IANA name; "" = UTC.
  std::string missed_run_policy = "skip";  ///< "skip" or "run-once".
  int64_t created_at = 0;
  int64_t last_run_at = 0;
  int64_t next_run_at = 0;
};

/// One run of a routine (its history, `GET /api/routines/<id>/runs`).
struct routine_run_record {
  std::string routine_id;
  std::string request_id;   ///< The request in the routine's session.
  std::string session_id;
  std::string trigger;      ///< "schedule", "catch-up" or "manual".
  std::string status;       ///< "queued", "running", "ok", "error", "skipped", "interrupted".
  std::string error;        ///< Why, for "error", "skipped" and "interrupted".
  int64_t scheduled_at = 0; ///< The fire time it stands for (0 for manual runs).
  int64_t started_at = 0;   ///< When it was sent to the session.
  int64_t finished_at = 0;  ///< 0 = not finished.

  /// Its storage id: `<routineId>/<startedAt, 13 digits>-<requestId>`, so a
  /// routine's runs list in start order under the prefix `<routineId>/`.
  std::string storage_id() const;
};

/// A GitHub delivery a webhook accepted (the replay guard's memory).
struct webhook_delivery {
  std::string webhook_id;
  std::string delivery_id;  ///< `X-GitHub-Delivery`.
  int64_t seen_at = 0;      ///< Unix ms.

  /// Its storage id: `<webhookId>/<deliveryId>`.
  std::string storage_id() const { return webhook_id + "/" + delivery_id; }
};

std::string encode_webhook_delivery(const webhook_delivery& d);
expected<webhook_delivery> decode_webhook_delivery(std::string_view json);

/// JSON of a webhook. `show_secret` false masks it (`"••••" + last 4`), as
/// listings do after creation; the stored form shows it.
std::string encode_webhook(const webhook_record& w, bool show_secret);
expected<webhook_record> decode_webhook(std::string_view json);

std::string encode_routine(const routine_record& r);
expected<routine_record> decode_routine(std::string_view json);

/// JSON of a run; `durationMs` is derived (finishedAt - startedAt).
std::string encode_routine_run(const routine_run_record& r);
expected<routine_run_record> decode_routine_run(std::string_view json);

/// Applies an HTTP body to `w` (only the members present change). Accepted
/// members: name, agentId, enabled, eventLabel, preset, sessionId, allowlist,
/// and `secret` when `allow_secret`. Errors (`invalid_request`) name the
/// field: wrong type, empty name, unknown preset, bad CIDR.
expected<webhook_record> apply_webhook_body(std::string_view body,
                                            webhook_record w, bool allow_secret);

/// Applies an HTTP body to `r`: name, agentId, cron (validated), prompt,
/// enabled, sessionId, timezone, missedRunPolicy ("skip" | "run-once").
expected<routine_record> apply_routine_body(std::string_view body,
                                            routine_record r);

/// Empty if `expr` is a valid cron expression: 5 fields (minute hour
/// day-of-month month day-of-week) with `*`, values, ranges `a-b`, steps
/// `/n`, lists `,`, month (jan-dec) and weekday (sun-sat) names; or one of
/// @hourly @daily @midnight @weekly @monthly @yearly @annually. Otherwise a
/// message naming the field, e.g. "cron field 1 (minute): 99 is out of range 0-59".
std::string validate_cron(std::string_view expr);

/// True if `address` (IPv4, IPv6 or IPv4-mapped IPv6) lies in `cidr`.
bool cidr_contains(std::string_view cidr, std::string_view address);

/// Empty if `cidr` is an IPv4 or IPv6 address with an optional prefix
/// length (`10.0.0.0/8`, `::1/128`, `192.168.1.7`), else why not.
std::string validate_cidr(std::string_view cidr);

} // namespace wingman::protocol
