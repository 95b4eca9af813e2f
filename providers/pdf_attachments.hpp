// What a turn does with PDF attachments: models that read PDFs get them as
// documents; for every other model the gateway replaces each PDF with its
// text (`pdf_to_text`) before the request is encoded. Pure besides the
// CPU-bound conversion; see docs/providers.md, "Attachments".
#pragma once

#include <string>

#include "protocol/expected.hpp"
#include "providers/conversation.hpp"
#include "providers/pdf_text.hpp"
#include "providers/provider_registry.hpp"

namespace wingman::providers {

/// True when the resolved model takes PDFs natively (`request_options::
/// native_pdf`): the provider's `nativePdf` config when set; otherwise every
/// Anthropic-type provider (Claude reads PDFs), and the
/// built-in `openai` provider with a `gpt-4o`, `gpt-4.1` or `gpt-5` model.
/// Everything else (local servers, OpenRouter, xAI, other OpenAI models,
/// configured OpenAI-type entries) gets the PDF's text instead.
bool takes_native_pdf(const resolved_provider& p) noexcept;

/// True when a message of `conv` has a `pdf` attachment.
bool has_pdf(const conversation& conv) noexcept;

/// How a converted PDF reads in its message: `[PDF "<name>", <N> pages]`
/// and the text on the next line (`(no text found ...)` for a PDF of
/// scanned images). `inline_pdfs` appends it after a blank line.
std::string pdf_attachment_text(const content_attachment& a,
                                const pdf_text& pdf);

/// Replaces every `pdf` attachment of the user messages of `conv` with its
/// text appended to the message's text (`pdf_attachment_text`); other
/// attachments stay as they are. A PDF that cannot be converted fails the
/// call when it belongs to the last user message (the one being answered):
/// `invalid_request` or `payload_too_large`, `attachment "<name>": <why>`.
/// In older messages it is dropped and replaced by a note
/// `[attachment "<name>" omitted: <why>]`, so an old bad file cannot block
/// the session (as in `build_conversation`). On error `conv` may be
/// partly converted.
protocol::status inline_pdfs(conversation& conv, const pdf_limits& limits = {});

} // namespace wingman::providers
