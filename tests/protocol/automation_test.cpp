#include "protocol/automation.hpp"

#include <doctest/doctest.h>

using namespace wingman::protocol;

TEST_SUITE("protocol/automation") {

TEST_CASE("valid cron expressions pass") {
  for (auto e : {"* * * * *", "*/5 * * * *", "0 9 * * mon-fri", "0 0 1 jan *",
                 "15,45 8-18/2 * * 1,3,5", "0 0 * * 7", "@hourly", "@daily",
                 "@weekly", "@monthly", "@yearly", "  0 12 * * *  "})
    CHECK_MESSAGE(validate_cron(e).empty(), e);
}

TEST_CASE("invalid cron expressions name the field") {
  CHECK(validate_cron("99 99 99 99 99")
        == "cron field 1 (minute): 99 is out of range 0-59");
  CHECK(validate_cron("0 24 * * *") == "cron field 2 (hour): 24 is out of range 0-23");
  CHECK(validate_cron("0 0 0 * *")
        == "cron field 3 (day-of-month): 0 is out of range 1-31");
  CHECK(validate_cron("0 0 * 13 *") == "cron field 4 (month): 13 is out of range 1-12");
  CHECK(validate_cron("0 0 * * 8")
        == "cron field 5 (day-of-week): 8 is out of range 0-7");
  CHECK(validate_cron("0 0 * * funday")
        == "cron field 5 (day-of-week): \"funday\" is not a value");
  CHECK(validate_cron("*/0 * * * *").rfind("cron field 1 (minute): step", 0) == 0);
  CHECK(validate_cron("5-1 * * * *")
        == "cron field 1 (minute): range 5-1 runs backwards");
  CHECK(validate_cron("1,,2 * * * *") == "cron field 1 (minute): empty list item");
  CHECK(validate_cron("* * * *").rfind("cron expression needs 5 fields", 0) == 0);
  CHECK(validate_cron("").rfind("cron expression is empty", 0) == 0);
  CHECK(validate_cron("@sometimes").rfind("unknown cron macro", 0) == 0);
}

TEST_CASE("CIDRs are IPv4 or IPv6 with a valid prefix") {
  for (auto c : {"10.0.0.0/8", "192.168.1.7", "::1/128", "2001:db8::/32", "0.0.0.0/0"})
    CHECK_MESSAGE(validate_cidr(c).empty(), c);
  CHECK_FALSE(validate_cidr("10.0.0.0/33").empty());
  CHECK_FALSE(validate_cidr("::1/129").empty());
  CHECK_FALSE(validate_cidr("example.com").empty());
  CHECK_FALSE(validate_cidr("10.0.0/8").empty());
  CHECK_FALSE(validate_cidr("10.0.0.0/x").empty());
}

TEST_CASE("cidr_contains matches IPv4, IPv6 and IPv4-mapped addresses") {
  CHECK(cidr_contains("10.0.0.0/8", "10.1.2.3"));
  CHECK_FALSE(cidr_contains("10.0.0.0/8", "11.0.0.1"));
  CHECK(cidr_contains("192.168.1.7", "192.168.1.7"));
  CHECK_FALSE(cidr_contains("192.168.1.7", "192.168.1.8"));
  CHECK(cidr_contains("127.0.0.0/8", "::ffff:127.0.0.1"));
  CHECK(cidr_contains("::1/128", "::1"));
  CHECK(cidr_contains("2001:db8::/32", "2001:db8:1::5"));
  CHECK_FALSE(cidr_contains("2001:db8::/32", "2001:db9::5"));
  CHECK(cidr_contains("0.0.0.0/0", "8.8.8.8"));
  CHECK_FALSE(cidr_contains("10.0.0.0/8", "not an address"));
}

TEST_CASE("a webhook body changes only the members it has, validated") {
  webhook_record base;
  base.id = "w1";
  base.name = "Mail";
  base.agent_id = "main";
  base.secret = "0123456789abcdef0123";
  auto w = apply_webhook_body(R"({"enabled":false,"allowlist":["10.0.0.0/8"]})",
                              base, false);
  REQUIRE(w);
  CHECK(w->name == "Mail");
  CHECK_FALSE(w->enabled);
  CHECK(w->allowlist == std::vector<std::string>{"10.0.0.0/8"});
  CHECK(apply_webhook_body(R"({"preset":"zapier"})", base, false).error().message
        == "preset must be gog-gmail or github");
  CHECK(apply_webhook_body(R"({"allowlist":["nope"]})", base, false).error().message
        .rfind("allowlist: ", 0) == 0);
  CHECK(apply_webhook_body(R"({"name":""})", base, false).error().message
        == "name must not be empty");
  CHECK(apply_webhook_body(R"({"enabled":"yes"})", base, false).error().message
        == "enabled must be true or false");
  CHECK(apply_webhook_body(R"({"secret":"short"})", base, true).error().code
        == error_code::invalid_request);
  // without allow_secret, a secret in the body is ignored
  CHECK(apply_webhook_body(R"({"secret":"short"})", base, false)->secret == base.secret);
}

TEST_CASE("webhook JSON masks the secret unless asked, and round-trips") {
  webhook_record w;
  w.id = "w1";
  w.name = "CI";
  w.agent_id = "main";
  w.secret = "whsec_0123456789abcdef";
  w.preset = "github";
  w.created_at = 5;
  auto shown = encode_webhook(w, true);
  auto hidden = encode_webhook(w, false);
  CHECK(shown.find("whsec_0123456789abcdef") != std::string::npos);
  CHECK(hidden.find("whsec_") == std::string::npos);
  CHECK(hidden.find("cdef") != std::string::npos);
  CHECK(hidden.find(R"("url":"/webhooks/w1")") != std::string::npos);
  auto back = decode_webhook(shown);
  REQUIRE(back);
  CHECK(back->secret == w.secret);
  CHECK(back->preset == "github");
  CHECK(back->created_at == 5);
  CHECK(back->last_triggered_at == 0);
  CHECK(decode_webhook("[]").error().code == error_code::storage_failure);
}

TEST_CASE("routine bodies validate cron, prompt and the missed-run policy") {
  routine_record base;
  base.id = "r1";
  auto r = apply_routine_body(
    R"({"name":"Digest","agentId":"main","cron":"0 8 * * mon-fri","prompt":"Summarize"})",
    base);
  REQUIRE(r);
  CHECK(r->missed_run_policy == "skip");
  auto bad_cron = apply_routine_body(
    R"({"name":"x","agentId":"main","cron":"99 99 99 99 99","prompt":"p"})", base);
  CHECK(bad_cron.error().message == "cron field 1 (minute): 99 is out of range 0-59");
  CHECK(apply_routine_body(R"({"name":"x","cron":"@daily","prompt":"p","missedRunPolicy":"later"})",
                           base).error().message
        == "missedRunPolicy must be skip or run-once");
  CHECK(apply_routine_body(R"({"name":"x","cron":"@daily"})", base).error().message
        == "prompt must not be empty");
  auto back = decode_routine(encode_routine(*r));
  REQUIRE(back);
  CHECK(back->cron == "0 8 * * mon-fri");
  CHECK(back->next_run_at == 0);
}

} // TEST_SUITE

TEST_SUITE("protocol/automation") {

TEST_CASE("routine runs round-trip and sort by start time") {
  routine_run_record r;
  r.routine_id = "rt_1";
  r.request_id = "rt-abc";
  r.session_id = "agent:main:routine:rt_1";
  r.trigger = "schedule";
  r.status = "ok";
  r.scheduled_at = 1'700'000'000'000;
  r.started_at = 1'700'000'000'005;
  r.finished_at = 1'700'000'000'105;
  auto json = encode_routine_run(r);
  CHECK(json.find("\"durationMs\":100") != std::string::npos);
  auto back = decode_routine_run(json);
  REQUIRE(back.has_value());
  CHECK(back->request_id == r.request_id);
  CHECK(back->status == "ok");
  CHECK(back->finished_at == r.finished_at);
  CHECK(back->error.empty());
  CHECK(r.storage_id() == "rt_1/1700000000005-rt-abc");
  routine_run_record early = r;
  early.started_at = 5;
  CHECK(early.storage_id() == "rt_1/0000000000005-rt-abc");
  CHECK(early.storage_id() < r.storage_id());
  routine_run_record queued = r;
  queued.finished_at = 0;
  CHECK(encode_routine_run(queued).find("\"durationMs\":null") != std::string::npos);
  CHECK_FALSE(decode_routine_run("{\"routineId\":3}").has_value());
}

TEST_CASE("routine bodies check the time zone and that the schedule fires") {
  routine_record r;
  auto bad_tz = apply_routine_body(
    R"({"name":"n","agentId":"main","cron":"* * * * *","prompt":"p","timezone":"Mars/Base"})", r);
  REQUIRE_FALSE(bad_tz.has_value());
  CHECK(bad_tz.error().message.find("not in the time zone database") != std::string::npos);
  auto never = apply_routine_body(
    R"({"name":"n","agentId":"main","cron":"0 0 31 4 *","prompt":"p"})", r);
  REQUIRE_FALSE(never.has_value());
  CHECK(never.error().message.find("never fires") != std::string::npos);
  auto ok = apply_routine_body(
    R"({"name":"n","agentId":"main","cron":"0 9 * * 1-5","prompt":"p","timezone":"Europe/Paris"})", r);
  CHECK(ok.has_value());
}

}
