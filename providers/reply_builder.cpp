#include "providers/reply_builder.hpp"

namespace wingman::providers {

void reply_builder::add(const stream_event& ev) {
  if (complete())
    return;
  if (const auto* t = std::get_if<text_delta>(&ev)) {
    reply_.text += t->text;
  } else if (const auto* d = std::get_if<tool_call_done>(&ev)) {
    reply_.tool_calls.push_back(tool_call{d->id, d->name, d->arguments_json});
  } else if (const auto* u = std::get_if<usage>(&ev)) {
    usage_ = *u;
  } else if (const auto* f = std::get_if<finished>(&ev)) {
    finish_ = *f;
  } else if (const auto* e = std::get_if<stream_error>(&ev)) {
    error_ = e->message;
    failed_ = true;
  }
}

} // namespace wingman::providers
