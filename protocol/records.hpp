// Durable records (values stored by storage/) and their JSON codecs.
//
// The message record's JSON is the HTTP API's message shape
// (`{id, role, content, createdAt, attachments?}`) plus internal fields, so
// the API can serve stored bytes as they are. Layout and versions are in
// docs/storage.md. Pure and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/expected.hpp"
#include "protocol/frames.hpp"

namespace wingman::protocol {

/// A session (`agentId` + session key). JSON: the API record
/// `{id, name, agentId, createdAt, updatedAt, messageCount,
/// lastMessagePreview, workdir}` plus `nextSeq` and `v`.
struct session_record {
  std::string agent_id;
  std::string id;  ///< The session key.
  std::string name;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  uint64_t message_count = 0;
  std::string last_message_preview;
  std::string workdir;      ///< Empty = none (JSON null).
  uint64_t next_seq = 1;    ///< Next message/queue sequence number.
};

/// A tool call an assistant message made.
struct tool_call_record {
  std::string id;              ///< The provider's call id.
  std::string name;
  std::string arguments_json;  ///< A JSON object as text.
};

/// One stored message. JSON: `{id, role, content, createdAt, attachments?,
/// seq, requestId?, toolCalls?, toolCallId?, toolName?, isError?, v}`.
struct message_record {
  uint64_t seq = 0;
  std::string id;          ///< Unique message id.
  std::string role;        ///< user | assistant | tool
  std::string content;     ///< Text; for `tool`, the tool's output.
  int64_t created_at = 0;
  std::string request_id;  ///< The request it belongs to; may be empty.
  std::vector<attachment> attachments;
  std::vector<tool_call_record> tool_calls;  ///< assistant: calls it made.
  std::string tool_call_id;  ///< tool: the call it answers.
  std::string tool_name;     ///< tool: the tool's name.
  bool is_error = false;     ///< tool: the call failed.
};

/// An accepted request that has not finished (durable queue entry).
struct pending_request {
  uint64_t seq = 0;            ///< Queue order within the session.
  std::string agent_id;
  std::string session_key;
  std::string request_id;
  std::string owner;           ///< Requester's identity (instanceId).
  int64_t accepted_at = 0;
  agent_request request;       ///< The request as received.
};

std::string encode_session_record(const session_record& r);
expected<session_record> decode_session_record(std::string_view json);

std::string encode_message_record(const message_record& m);
expected<message_record> decode_message_record(std::string_view json);

std::string encode_pending_request(const pending_request& p);
expected<pending_request> decode_pending_request(std::string_view json);

/// `[` + the given JSON values joined by commas + `]` (no re-encoding).
std::string json_array(const std::vector<std::string>& values);

/// JSON string literal for `s` (with quotes and escapes).
std::string json_string(std::string_view s);

} // namespace wingman::protocol
