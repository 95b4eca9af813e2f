#include "protocol/routing.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace wingman::protocol;

namespace {

routing_info route(std::string channel, std::string account = {},
                   std::string guild = {}, std::string team = {},
                   std::optional<peer_ref> peer = std::nullopt,
                   std::string thread = {}) {
  routing_info r;
  r.channel = std::move(channel);
  r.account_id = std::move(account);
  r.guild_id = std::move(guild);
  r.team_id = std::move(team);
  r.peer = std::move(peer);
  r.thread_id = std::move(thread);
  return r;
}

binding bind(std::string agent, std::string channel, std::string account = {},
             std::string guild = {}, std::string team = {},
             std::optional<peer_ref> peer = std::nullopt) {
  binding b;
  b.agent_id = std::move(agent);
  b.match.channel = std::move(channel);
  b.match.account_id = std::move(account);
  b.match.guild_id = std::move(guild);
  b.match.team_id = std::move(team);
  b.match.peer = std::move(peer);
  return b;
}

} // namespace

TEST_SUITE("protocol/routing") {

// -- level_of and matches -----------------------------------------------------

TEST_CASE("a binding's level is the most specific field it sets") {
  CHECK(level_of(bind("a", "d").match) == match_level::channel);
  CHECK(level_of(bind("a", "d", "acc").match) == match_level::account);
  CHECK(level_of(bind("a", "d", "", "g").match) == match_level::guild_or_team);
  CHECK(level_of(bind("a", "d", "", "", "t").match)
        == match_level::guild_or_team);
  CHECK(level_of(bind("a", "d", "acc", "g").match)
        == match_level::guild_or_team);
  CHECK(level_of(bind("a", "d", "acc", "g", "t", peer_ref{"dm", "u"}).match)
        == match_level::peer);
  CHECK(level_of(binding_match{}) == match_level::channel);
  CHECK(static_cast<int>(match_level::peer) == 1);
  CHECK(static_cast<int>(match_level::default_agent) == 5);
}

TEST_CASE("a binding matches only when every field it sets is equal") {
  auto r = route("discord", "bot", "g1", "", peer_ref{"channel", "42"});
  CHECK(matches(bind("a", "discord").match, r));
  CHECK(matches(bind("a", "discord", "bot").match, r));
  CHECK(matches(bind("a", "discord", "bot", "g1").match, r));
  CHECK(matches(bind("a", "discord", "", "", "", peer_ref{"channel", "42"})
                  .match,
                r));
  CHECK_FALSE(matches(bind("a", "slack").match, r));
  CHECK_FALSE(matches(bind("a", "discord", "other").match, r));
  CHECK_FALSE(matches(bind("a", "discord", "", "g2").match, r));
  CHECK_FALSE(
    matches(bind("a", "discord", "", "", "", peer_ref{"dm", "42"}).match, r));
  CHECK_FALSE(
    matches(bind("a", "discord", "", "", "", peer_ref{"channel", "43"}).match,
            r));
  CHECK(matches(binding_match{}, r));  // all wildcards
}

TEST_CASE("a binding with a field the routing lacks does not match") {
  auto r = route("discord");
  CHECK_FALSE(matches(bind("a", "discord", "bot").match, r));
  CHECK_FALSE(matches(bind("a", "discord", "", "g1").match, r));
  CHECK_FALSE(matches(bind("a", "discord", "", "", "t1").match, r));
  CHECK_FALSE(
    matches(bind("a", "discord", "", "", "", peer_ref{"dm", "u"}).match, r));
}

TEST_CASE("matching is exact and case-sensitive") {
  CHECK_FALSE(matches(bind("a", "Discord").match, route("discord")));
  CHECK_FALSE(matches(bind("a", "disc").match, route("discord")));
}

// -- binding_table ------------------------------------------------------------

TEST_CASE("no routing or no matching binding picks the default agent") {
  binding_table table{{bind("support", "whatsapp")}, "main"};
  auto none = table.resolve(std::nullopt);
  CHECK(none.agent_id == "main");
  CHECK(none.level == match_level::default_agent);
  CHECK(none.binding_index == -1);
  auto miss = table.resolve(route("discord"));
  CHECK(miss.agent_id == "main");
  CHECK(miss.binding_index == -1);
  binding_table empty;
  CHECK(empty.resolve(route("x")).agent_id.empty());
  CHECK(empty.default_agent().empty());
  CHECK(empty.bindings().empty());
}

TEST_CASE("peer beats guild beats account beats channel beats default") {
  // Listed least specific first, so list order cannot explain the result.
  binding_table table{{bind("by-channel", "discord"),
                       bind("by-account", "discord", "bot"),
                       bind("by-guild", "discord", "", "g1"),
                       bind("by-peer", "discord", "", "", "",
                            peer_ref{"channel", "42"})},
                      "main"};
  auto full = route("discord", "bot", "g1", "", peer_ref{"channel", "42"});
  auto r = table.resolve(full);
  CHECK(r.agent_id == "by-peer");
  CHECK(r.level == match_level::peer);
  CHECK(r.binding_index == 3);
  full.peer = peer_ref{"channel", "99"};
  r = table.resolve(full);
  CHECK(r.agent_id == "by-guild");
  CHECK(r.level == match_level::guild_or_team);
  CHECK(r.binding_index == 2);
  full.guild_id = "g2";
  r = table.resolve(full);
  CHECK(r.agent_id == "by-account");
  CHECK(r.level == match_level::account);
  full.account_id = "other-bot";
  r = table.resolve(full);
  CHECK(r.agent_id == "by-channel");
  CHECK(r.level == match_level::channel);
  CHECK(r.binding_index == 0);
  full.channel = "slack";
  r = table.resolve(full);
  CHECK(r.agent_id == "main");
  CHECK(r.level == match_level::default_agent);
}

TEST_CASE("a team binding ranks with guild bindings") {
  binding_table table{{bind("by-account", "slack", "acc"),
                       bind("by-team", "slack", "", "", "T1")},
                      "main"};
  CHECK(table.resolve(route("slack", "acc", "", "T1")).agent_id == "by-team");
}

TEST_CASE("ties at one level go to the earlier binding") {
  binding_table table{{bind("first", "discord", "bot"),
                       bind("second", "discord", "", "g1"),
                       bind("third", "discord", "", "", "t1"),
                       bind("fourth", "discord", "bot")},
                      "main"};
  auto r = table.resolve(route("discord", "bot", "g1", "t1"));
  CHECK(r.agent_id == "second");
  CHECK(r.binding_index == 1);
  binding_table same{{bind("a", "webui"), bind("b", "webui")}, "main"};
  CHECK(same.resolve(route("webui")).agent_id == "a");
}

TEST_CASE("the PRD example routes a DM peer to support and the rest to main") {
  binding_table table{{bind("support", "webui", "", "", "",
                            peer_ref{"dm", "user-123"}),
                       bind("main", "webui")},
                      "main"};
  auto dm = route("webui", "", "", "", peer_ref{"dm", "user-123"});
  CHECK(table.resolve(dm).agent_id == "support");
  auto other = route("webui", "", "", "", peer_ref{"dm", "user-456"});
  CHECK(table.resolve(other).agent_id == "main");
  CHECK(table.resolve(other).binding_index == 1);
  CHECK(table.bindings().size() == 2);
  CHECK(table.default_agent() == "main");
}

// -- derive_session_key -------------------------------------------------------

TEST_CASE("no routing derives agent:<id>:main") {
  CHECK(derive_session_key("main", std::nullopt) == "agent:main:main");
  CHECK(derive_session_key("ops", std::nullopt) == "agent:ops:main");
}

TEST_CASE("an empty channel derives agent:<id>:main") {
  CHECK(derive_session_key("main", route("")) == "agent:main:main");
  CHECK(derive_session_key("main", route("", "acc", "", "", peer_ref{"group",
                                                                      "g"}))
        == "agent:main:main");
}

TEST_CASE("a channel alone derives agent:<id>:<channel>:main") {
  CHECK(derive_session_key("main", route("webui")) == "agent:main:webui:main");
}

TEST_CASE("account, peer and thread are appended in order") {
  auto r = route("discord", "bot123", "", "", peer_ref{"channel", "123456"});
  CHECK(derive_session_key("main", r)
        == "agent:main:discord:account:bot123:channel:123456");
  r.thread_id = "789";
  CHECK(derive_session_key("main", r)
        == "agent:main:discord:account:bot123:channel:123456:thread:789");
  CHECK(derive_session_key("main", route("discord", "bot123"))
        == "agent:main:discord:account:bot123");
  CHECK(derive_session_key("main", route("slack", "", "", "", std::nullopt,
                                         "t1"))
        == "agent:main:slack:thread:t1");
  CHECK(derive_session_key("support", route("whatsapp", "", "", "",
                                            peer_ref{"group", "1203@g.us"}))
        == "agent:support:whatsapp:group:1203@g.us");
}

TEST_CASE("guild and team ids are not part of the session key") {
  CHECK(derive_session_key("main", route("discord", "", "g1", "t1"))
        == "agent:main:discord:main");
}

TEST_CASE("a DM peer collapses to agent:<id>:main") {
  CHECK(derive_session_key("main", route("webui", "", "", "",
                                         peer_ref{"dm", "u1"}))
        == "agent:main:main");
  CHECK(derive_session_key("main", route("discord", "bot", "g", "",
                                         peer_ref{"dm", "u1"}, "th"))
        == "agent:main:main");
}

TEST_CASE("a peer with an empty kind or id is left out of the key") {
  CHECK(derive_session_key("main", route("webui", "", "", "",
                                         peer_ref{"", "u1"}))
        == "agent:main:webui:main");
  CHECK(derive_session_key("main", route("webui", "", "", "",
                                         peer_ref{"group", ""}))
        == "agent:main:webui:main");
}

TEST_CASE("the same routing under two agents derives two keys") {
  auto r = route("webui");
  CHECK(derive_session_key("a", r) != derive_session_key("b", r));
}

// -- validation ---------------------------------------------------------------

TEST_CASE("session keys are 1 to 256 bytes of UTF-8 without control chars") {
  CHECK(validate_session_key("agent:main:main").empty());
  CHECK(validate_session_key("x").empty());
  CHECK(validate_session_key(std::string(256, 'k')).empty());
  CHECK(validate_session_key("agent:main:caf\xc3\xa9:\xf0\x9f\x98\x80")
          .empty());
  CHECK(validate_session_key("") == "session key is empty");
  CHECK(validate_session_key(std::string(257, 'k'))
        == "session key is longer than 256 bytes");
  // 86 three-byte code points = 258 bytes, though only 86 characters.
  std::string cjk;
  for (int i = 0; i < 86; ++i)
    cjk += "\xe4\xb8\x96";
  CHECK(validate_session_key(cjk) == "session key is longer than 256 bytes");
}

TEST_CASE("session keys with control characters are rejected") {
  for (std::string bad : {std::string("a\nb"), std::string("a\tb"),
                          std::string("a\x1f"), std::string("\x7f"),
                          std::string("a\xc2\x85"), std::string("a\0b", 3)}) {
    CHECK(validate_session_key(bad)
          == "session key contains a control character");
  }
}

TEST_CASE("session keys that are not UTF-8 are rejected") {
  for (const char* bad : {"\xff", "a\xc3", "\xc0\xaf", "\xe0\x80\xaf",
                          "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80",
                          "\xf0\x9f\x98"}) {
    CHECK(validate_session_key(bad) == "session key is not valid UTF-8");
  }
}

TEST_CASE("agent ids are 1 to 64 characters of [A-Za-z0-9_.-]") {
  CHECK(validate_agent_id("main").empty());
  CHECK(validate_agent_id("Ops_team-2.v1").empty());
  CHECK(validate_agent_id(std::string(64, 'a')).empty());
  CHECK(validate_agent_id("") == "agent id is empty");
  CHECK(validate_agent_id(std::string(65, 'a'))
        == "agent id is longer than 64 characters");
  for (const char* bad : {"a b", "a:b", "a/b", "caf\xc3\xa9", "a\nb", "a*"}) {
    CHECK(validate_agent_id(bad)
          == "agent id may only contain A-Z, a-z, 0-9, '_', '.' and '-'");
  }
}

TEST_CASE("the agent of a session key is the segment after agent:") {
  CHECK(agent_of_session_key("agent:main:main") == "main");
  CHECK(agent_of_session_key("agent:ops:discord:channel:1") == "ops");
  CHECK(agent_of_session_key("agent:ops:") == "ops");
  CHECK(agent_of_session_key("agent:ops").empty());
  CHECK(agent_of_session_key("agent::main").empty());
  CHECK(agent_of_session_key("agents:main:main").empty());
  CHECK(agent_of_session_key("Agent:main:main").empty());
  CHECK(agent_of_session_key("discord-channel123").empty());
  CHECK(agent_of_session_key("").empty());
}

TEST_CASE("derived keys from valid parts are valid session keys") {
  auto r = route("discord", "bot123", "", "", peer_ref{"channel", "123456"},
                 "789");
  CHECK(validate_session_key(derive_session_key("main", r)).empty());
  CHECK(agent_of_session_key(derive_session_key("main", r)) == "main");
}

} // TEST_SUITE
