#include "providers/conversation.hpp"

#include <doctest/doctest.h>

#include "providers/wire.hpp"

using namespace wingman;
using namespace wingman::providers;

TEST_SUITE("providers/conversation") {

TEST_CASE("data URLs parse into a mime type and a base64 payload") {
  auto u = parse_data_url("data:image/PNG;base64,iVBOR=");
  REQUIRE(u);
  CHECK(u->mime_type == "image/png");
  CHECK(u->base64 == "iVBOR=");
  auto params = parse_data_url("DATA:audio/wav;rate=16000;base64,UklG");
  REQUIRE(params);
  CHECK(params->mime_type == "audio/wav");
  CHECK(params->base64 == "UklG");
  CHECK(parse_data_url("data:;base64,AA")->mime_type.empty());
  CHECK_FALSE(parse_data_url("data:text/plain,hello"));
  CHECK_FALSE(parse_data_url("https://example.com/a.png"));
  CHECK_FALSE(parse_data_url("data:image/png;base64"));
  CHECK_FALSE(parse_data_url(""));
}

TEST_CASE("wire attachments convert to content attachments") {
  protocol::attachment img{"image", "a.png", "image/png", "",
                           "data:image/png;base64,AA"};
  auto i = to_content_attachment(img);
  REQUIRE(i);
  CHECK(i->kind == attachment_kind::image);
  CHECK(i->data_url == img.data_url);
  protocol::attachment pdf{"file", "r.pdf", "", "",
                           "data:application/pdf;base64,JVBE"};
  auto p = to_content_attachment(pdf);
  REQUIRE(p);
  CHECK(p->kind == attachment_kind::pdf);
  CHECK(p->mime_type == "application/pdf");
  protocol::attachment txt{"file", "n.txt", "text/plain", "hello", ""};
  auto t = to_content_attachment(txt);
  REQUIRE(t);
  CHECK(t->kind == attachment_kind::file);
  CHECK(t->text == "hello");
  // a PDF already turned into text on the gateway is a plain file
  protocol::attachment pdf_text{"file", "r.pdf", "application/pdf", "page 1",
                                ""};
  CHECK(to_content_attachment(pdf_text)->kind == attachment_kind::file);
  auto no_url = to_content_attachment({"audio", "v.wav", "", "", ""});
  REQUIRE_FALSE(no_url);
  CHECK(no_url.error().message == "attachment \"v.wav\": audio needs a data URL");
  auto odd = to_content_attachment({"video", "m.mp4", "", "", ""});
  REQUIRE_FALSE(odd);
  CHECK(odd.error().code == protocol::error_code::invalid_request);
  CHECK(odd.error().message
        == "attachment \"m.mp4\": unknown kind \"video\" (expected image, "
           "audio or file)");
  CHECK_FALSE(to_content_attachment({"file", "x.pdf", "application/pdf", "",
                                     ""}));
  auto kind_pdf = to_content_attachment(
    {"pdf", "k.pdf", "", "", "data:application/pdf;base64,JVBE"});
  REQUIRE(kind_pdf);
  CHECK(kind_pdf->kind == attachment_kind::pdf);
  CHECK(to_content_attachment({"pdf", "k.pdf", "", "", ""}).error().message
        == "attachment \"k.pdf\": a PDF needs a data:application/pdf;base64 "
           "URL");
  CHECK(to_content_attachment({"file", "b.bin", "", "",
                               "data:application/octet-stream;base64,AA"})
          .error()
          .message
        == "attachment \"b.bin\": file content must be sent as text "
           "(textContent)");
  // an empty text file is fine
  CHECK(to_content_attachment({"file", "e.txt", "text/plain", "", ""}));
}

TEST_CASE("file attachments are labelled with name and type") {
  content_attachment a;
  a.text = "body";
  CHECK(file_attachment_text(a) == "[file]\nbody");
  a.name = "a.c";
  CHECK(file_attachment_text(a) == "[file: a.c]\nbody");
  a.mime_type = "text/x-c";
  CHECK(file_attachment_text(a) == "[file: a.c (text/x-c)]\nbody");
}

TEST_CASE("stream events render for logs") {
  CHECK(to_string(stream_event{text_delta{"a\"b\n"}})
        == "text_delta{\"a\\\"b\\n\"}");
  CHECK(to_string(stream_event{finished{finish_reason::tool_calls, "tool_use"}})
        == "finished{tool_calls, \"tool_use\"}");
  CHECK(to_string(stream_event{usage{1, 2}}) == "usage{1, 2}");
  CHECK(to_string(stream_event{tool_call_done{1, "i", "n", "{}"}})
        == "tool_call_done{1, \"i\", \"n\", \"{}\"}");
}

TEST_CASE("the wire dispatch picks the codec by provider type") {
  CHECK(parse_provider_type("openai") == provider_type::openai);
  CHECK(parse_provider_type("anthropic") == provider_type::anthropic);
  CHECK_FALSE(parse_provider_type("gemini"));
  CHECK(to_string(provider_type::anthropic) == "anthropic");
  conversation conv;
  conv.messages.push_back(message::user("hi"));
  request_options o;
  o.model = "m";
  auto a = encode_request(provider_type::anthropic, "claude", conv, o);
  REQUIRE(a);
  CHECK(a->find("\"max_tokens\":4096") != std::string::npos);
  auto b = encode_request(provider_type::openai, "lmstudio", conv, o);
  REQUIRE(b);
  CHECK(b->find("\"stream_options\"") != std::string::npos);
  conv.messages[0].attachments.push_back(
    {attachment_kind::audio, "v.ogg", "", "", "data:audio/ogg;base64,AA"});
  auto err = encode_request(provider_type::openai, "lmstudio", conv, o);
  REQUIRE_FALSE(err);
  CHECK(err.error().message.rfind("lmstudio: audio attachment", 0) == 0);
  auto d = make_stream_decoder(provider_type::anthropic, "claude");
  std::vector<stream_event> out;
  d->feed("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n", out);
  REQUIRE(out.size() == 1);
  CHECK(std::holds_alternative<finished>(out[0]));
  CHECK(d->done());
  CHECK(describe_http_error(provider_type::openai, "xai", 500, "")
        == "xai: HTTP 500: Internal Server Error");
}

}
